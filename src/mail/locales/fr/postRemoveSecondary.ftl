postRemoveSecondary-subject = Adresse e-mail secondaire supprimée
postRemoveSecondary-title = Adresse e-mail secondaire retirée de votre compte
# Variables :
#   $secondaryEmail (String) - l’adresse supprimée
postRemoveSecondary-body = Vous avez retiré { $secondaryEmail } des adresses e-mail secondaires de votre compte. Les notifications de sécurité et les confirmations de connexion ne seront plus envoyées à cette adresse.
