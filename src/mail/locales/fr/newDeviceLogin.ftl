## Variables :
##   $clientName (String) - l’application à laquelle on s’est connecté, p. ex. « Firefox »

newDeviceLogin-subject = Nouvelle connexion à { $clientName }
newDeviceLogin-title = Nouvelle connexion à { $clientName }

##

newDeviceLogin-intro = Votre compte vient d’être utilisé pour une connexion :
newDeviceLogin-action = Gérer le compte
