verify-subject = Schließen Sie die Erstellung Ihres Kontos ab
verify-title = Bestätigen Sie Ihre E-Mail-Adresse
verify-intro = Fast geschafft! Bestätigen Sie diese Adresse, um die Einrichtung Ihres Kontos abzuschließen.
verify-action = Konto bestätigen
