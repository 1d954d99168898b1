# Variablen:
#   $code (String) - 6-stelliger Bestätigungscode
verifySecondaryCode-subject = Verwenden Sie { $code }, um Ihre sekundäre E-Mail-Adresse zu bestätigen
verifySecondaryCode-title = Bestätigen Sie Ihre sekundäre E-Mail-Adresse
# Variablen:
#   $email (String) - die hinzuzufügende Adresse, an die diese E-Mail geht
verifySecondaryCode-intro = Jemand möchte { $email } als sekundäre E-Mail-Adresse zu seinem Konto hinzufügen.
verifySecondaryCode-prompt = Wenn Sie das waren, geben Sie diesen Bestätigungscode ein:
verifySecondaryCode-after = Nach der Bestätigung erhält auch diese Adresse Sicherheitsbenachrichtigungen und Anmeldebestätigungen.
