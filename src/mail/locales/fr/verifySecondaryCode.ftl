# Variables :
#   $code (String) - code de confirmation à 6 chiffres
verifySecondaryCode-subject = Utilisez { $code } pour confirmer votre adresse e-mail secondaire
verifySecondaryCode-title = Confirmez votre adresse e-mail secondaire
# Variables :
#   $email (String) - l’adresse à ajouter, qui reçoit ce message
verifySecondaryCode-intro = Quelqu’un souhaite ajouter { $email } comme adresse e-mail secondaire à son compte.
verifySecondaryCode-prompt = Si c’était vous, saisissez ce code de confirmation :
verifySecondaryCode-after = Une fois confirmée, cette adresse recevra elle aussi les notifications de sécurité et les confirmations de connexion.
