## Variables:
##   $clientName (String) - the app being signed in to, e.g. "Firefox"

verifyLogin-subject = Confirm new sign-in to { $clientName }
verifyLogin-title = New sign-in to { $clientName }

##

verifyLogin-intro = To keep your account safe, please confirm this sign-in:
verifyLogin-action = Confirm sign-in
