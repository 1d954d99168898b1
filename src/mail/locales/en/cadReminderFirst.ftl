cadReminderFirst-subject = Reminder! Let’s sync { -brand-firefox }
# "two" means two devices.
cadReminderFirst-title = It takes two to sync
cadReminderFirst-intro = Connect another device to take your tabs with you and find your bookmarks, passwords and other data wherever you use { -brand-firefox }.
