# Variables :
#   $code (String) - code de connexion à 6 chiffres
verifyLoginCode-subject = Utilisez { $code } pour vous connecter
# Variables :
#   $clientName (String) - l’application à laquelle on se connecte, p. ex. « Firefox »
verifyLoginCode-title = Est-ce bien vous qui vous connectez à { $clientName } ?
verifyLoginCode-intro = Pour protéger votre compte, nous vous demandons d’approuver cette connexion :
verifyLoginCode-prompt = Si c’était bien vous, saisissez ce code :
