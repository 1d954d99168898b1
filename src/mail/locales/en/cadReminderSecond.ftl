cadReminderSecond-subject = Don’t miss out! Let’s finish your sync setup
cadReminderSecond-title = Don’t forget to sync!
cadReminderSecond-intro = Sync your bookmarks, passwords, open tabs and more, everywhere you use { -brand-firefox }.
cadReminderSecond-privacy = Your synced data is encrypted: only you and the devices you approve can read it.
