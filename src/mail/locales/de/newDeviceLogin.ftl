## Variablen:
##   $clientName (String) - die App, bei der sich jemand angemeldet hat, z. B. "Firefox"

newDeviceLogin-subject = Neue Anmeldung bei { $clientName }
newDeviceLogin-title = Neue Anmeldung bei { $clientName }

##

newDeviceLogin-intro = Mit Ihrem Konto wurde gerade eine Anmeldung durchgeführt:
newDeviceLogin-action = Konto verwalten
