# Textes partagés par plusieurs modèles de message.

-brand-firefox = Firefox

# Nom de l’application à laquelle on se connecte, quand le serveur ne le connaît pas.
default-client-name = { -brand-firefox }

## Détails de connexion (verifyLogin, verifyLoginCode, newDeviceLogin, unblockCode) ; les deux
## dernières lignes concluent aussi les avis de modification du compte (postVerifySecondary, …).
## Variables :
##   $browser (String) - nom du navigateur, p. ex. « Firefox »
##   $os (String) - nom du système d’exploitation, p. ex. « Windows »
##   $ip (String) - adresse IP d’où provient la connexion
##   $time (Date) - moment de la connexion, en UTC

signin-device-browser-os = Appareil : { $browser } sur { $os }
signin-device-browser = Appareil : { $browser }
signin-device-os = Appareil : { $os }
signin-ip = Adresse IP : { $ip }
signin-time = Date et heure : { DATETIME($time, dateStyle: "long", timeStyle: "long") }
signin-not-you = Ce n’était pas vous ? Quelqu’un connaît peut-être votre mot de passe.
signin-change-password = Changer votre mot de passe

##

# Bouton vers la page des paramètres du compte.
manage-account = Gérer le compte
# Bouton des trois rappels de confirmation du compte (verificationReminderFirst/Second/Final).
verificationReminder-action = Confirmer le compte
# Bouton des rappels « Connecter un autre appareil » (cadReminderFirst/Second).
cadReminder-action = Synchroniser un autre appareil

# Partie texte : introduit l’URL affichée à la ligne suivante.
# Variables :
#   $label (String) - texte du bouton ou du lien, p. ex. « Confirmer le compte »
text-link-label = { $label } :

# Note de bas de page des messages que le destinataire n’a peut-être pas demandés.
mail-not-requested = Ceci est un message automatique. Si vous ne l’avez pas demandé, vous pouvez l’ignorer.
