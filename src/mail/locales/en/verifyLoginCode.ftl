# Variables:
#   $code (String) - 6-digit sign-in code
verifyLoginCode-subject = Use { $code } to sign in
# Variables:
#   $clientName (String) - the app being signed in to, e.g. "Firefox"
verifyLoginCode-title = Did you sign in to { $clientName }?
verifyLoginCode-intro = To keep your account safe, we ask you to approve this sign-in:
verifyLoginCode-prompt = If it was you, enter this code:
