verificationReminderSecond-subject = Denken Sie daran, Ihr Konto zu bestätigen
verificationReminderSecond-title = Sind Sie noch da?
verificationReminderSecond-intro = Vor einigen Tagen haben Sie mit dieser E-Mail-Adresse ein Konto erstellt, es aber noch nicht bestätigt. Bestätigen Sie es jetzt, um die Einrichtung abzuschließen.
