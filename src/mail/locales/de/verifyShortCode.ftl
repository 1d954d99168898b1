# Variablen:
#   $code (String) - 6-stelliger Bestätigungscode
verifyShortCode-subject = Verwenden Sie { $code }, um Ihr Konto zu bestätigen
verifyShortCode-title = Bestätigen Sie Ihre E-Mail-Adresse
verifyShortCode-prompt = Geben Sie diesen Bestätigungscode ein, um die Erstellung Ihres Kontos abzuschließen:
