postVerifySecondary-subject = Adresse e-mail secondaire ajoutée
postVerifySecondary-title = Adresse e-mail secondaire confirmée
# Variables :
#   $secondaryEmail (String) - l’adresse ajoutée
postVerifySecondary-body = Vous avez confirmé { $secondaryEmail } comme adresse e-mail secondaire de votre compte. Les notifications de sécurité et les confirmations de connexion seront désormais envoyées aux deux adresses.
