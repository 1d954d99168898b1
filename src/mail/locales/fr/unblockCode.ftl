# Variables :
#   $code (String) - code d’autorisation à 8 caractères
unblockCode-subject = Utilisez { $code } pour vous connecter
unblockCode-title = Est-ce bien vous qui vous connectez ?
unblockCode-prompt = Si oui, voici le code d’autorisation dont vous avez besoin :
unblockCode-expiry = Il expire dans une heure et ne peut servir qu’une seule fois.
unblockCode-report = Sinon, signalez-le-nous pour nous aider à repousser les intrus.
unblockCode-report-action = Signaler cette connexion
