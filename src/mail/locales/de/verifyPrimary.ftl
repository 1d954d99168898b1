verifyPrimary-subject = Primäre E-Mail-Adresse bestätigen
verifyPrimary-title = Bestätigen Sie Ihre primäre E-Mail-Adresse
verifyPrimary-intro = Jemand möchte Ihr Konto ändern, zum Beispiel eine sekundäre E-Mail-Adresse hinzufügen. Solche Änderungen sind möglich, sobald Sie diese Adresse bestätigt haben.
verifyPrimary-action = E-Mail-Adresse bestätigen
