## Variables:
##   $clientName (String) - the app signed in to, e.g. "Firefox"

newDeviceLogin-subject = New sign-in to { $clientName }
newDeviceLogin-title = New sign-in to { $clientName }

##

newDeviceLogin-intro = Your account was just used to sign in:
newDeviceLogin-action = Manage account
