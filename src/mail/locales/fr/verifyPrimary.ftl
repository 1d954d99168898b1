verifyPrimary-subject = Confirmez votre adresse e-mail principale
verifyPrimary-title = Confirmez votre adresse e-mail principale
verifyPrimary-intro = Quelqu’un souhaite modifier votre compte, par exemple pour y ajouter une adresse e-mail secondaire. Ce type de modification sera possible une fois cette adresse confirmée.
verifyPrimary-action = Confirmer l’adresse e-mail
