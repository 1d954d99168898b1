## Variables :
##   $clientName (String) - l’application à laquelle on se connecte, p. ex. « Firefox »

verifyLogin-subject = Confirmez la nouvelle connexion à { $clientName }
verifyLogin-title = Nouvelle connexion à { $clientName }

##

verifyLogin-intro = Pour la sécurité de votre compte, veuillez confirmer cette connexion :
verifyLogin-action = Confirmer la connexion
