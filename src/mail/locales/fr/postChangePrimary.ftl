postChangePrimary-subject = Adresse e-mail principale modifiée
postChangePrimary-title = Nouvelle adresse e-mail principale
# Variables :
#   $newPrimaryEmail (String) - la nouvelle adresse principale du compte
postChangePrimary-body = Votre adresse e-mail principale est désormais { $newPrimaryEmail }. Elle vous sert à vous connecter, et c’est à elle que seront envoyées les notifications de sécurité et les confirmations de connexion.
