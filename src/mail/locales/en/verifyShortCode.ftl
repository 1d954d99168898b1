# Variables:
#   $code (String) - 6-digit confirmation code
verifyShortCode-subject = Use { $code } to confirm your account
verifyShortCode-title = Confirm your email address
verifyShortCode-prompt = Enter this confirmation code to finish creating your account:
