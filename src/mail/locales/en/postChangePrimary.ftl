postChangePrimary-subject = Primary email updated
postChangePrimary-title = New primary email
# Variables:
#   $newPrimaryEmail (String) - the account's new primary address
postChangePrimary-body = Your primary email address is now { $newPrimaryEmail }. You’ll use it to sign in, and security notifications and sign-in confirmations will go there.
