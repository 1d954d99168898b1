postVerify-subject = Account verified. Next, sync another device to finish setup
postVerify-title = Your account is confirmed
postVerify-intro = Sync keeps your bookmarks, passwords and other { -brand-firefox } data the same on all your devices. Connect another device to start syncing.
postVerify-action = Set up next device
