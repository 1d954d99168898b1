verify-subject = Terminez la création de votre compte
verify-title = Confirmez votre adresse e-mail
verify-intro = Vous y êtes presque. Confirmez cette adresse pour terminer la configuration de votre compte.
verify-action = Confirmer le compte
