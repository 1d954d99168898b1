postVerifySecondary-subject = Sekundäre E-Mail-Adresse hinzugefügt
postVerifySecondary-title = Sekundäre E-Mail-Adresse bestätigt
# Variablen:
#   $secondaryEmail (String) - die hinzugefügte Adresse
postVerifySecondary-body = Sie haben { $secondaryEmail } als sekundäre E-Mail-Adresse Ihres Kontos bestätigt. Sicherheitsbenachrichtigungen und Anmeldebestätigungen gehen ab jetzt an beide Adressen.
