# Variables:
#   $code (String) - 8-character authorization code
unblockCode-subject = Use { $code } to sign in
unblockCode-title = Is this you signing in?
unblockCode-prompt = If yes, here is the authorization code you need:
unblockCode-expiry = It expires in one hour and works only once.
unblockCode-report = If not, let us know so we can help keep intruders out.
unblockCode-report-action = Report this sign-in
