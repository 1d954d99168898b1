postChangePrimary-subject = Primäre E-Mail-Adresse geändert
postChangePrimary-title = Neue primäre E-Mail-Adresse
# Variablen:
#   $newPrimaryEmail (String) - die neue primäre Adresse des Kontos
postChangePrimary-body = Ihre primäre E-Mail-Adresse lautet jetzt { $newPrimaryEmail }. Mit ihr melden Sie sich an, und an sie gehen Sicherheitsbenachrichtigungen und Anmeldebestätigungen.
