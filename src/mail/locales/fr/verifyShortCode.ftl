# Variables :
#   $code (String) - code de confirmation à 6 chiffres
verifyShortCode-subject = Utilisez { $code } pour confirmer votre compte
verifyShortCode-title = Confirmez votre adresse e-mail
verifyShortCode-prompt = Saisissez ce code de confirmation pour terminer la création de votre compte :
