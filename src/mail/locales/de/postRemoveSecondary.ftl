postRemoveSecondary-subject = Sekundäre E-Mail-Adresse entfernt
postRemoveSecondary-title = Sekundäre E-Mail-Adresse aus Ihrem Konto entfernt
# Variablen:
#   $secondaryEmail (String) - die entfernte Adresse
postRemoveSecondary-body = Sie haben { $secondaryEmail } als sekundäre E-Mail-Adresse aus Ihrem Konto entfernt. Sicherheitsbenachrichtigungen und Anmeldebestätigungen gehen nicht mehr an diese Adresse.
