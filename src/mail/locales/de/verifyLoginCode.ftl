# Variablen:
#   $code (String) - 6-stelliger Anmeldecode
verifyLoginCode-subject = Verwenden Sie { $code } zur Anmeldung
# Variablen:
#   $clientName (String) - die App, bei der sich jemand anmeldet, z. B. "Firefox"
verifyLoginCode-title = Haben Sie sich bei { $clientName } angemeldet?
verifyLoginCode-intro = Zum Schutz Ihres Kontos bitten wir Sie, diese Anmeldung zu bestätigen:
verifyLoginCode-prompt = Wenn Sie es waren, geben Sie diesen Code ein:
