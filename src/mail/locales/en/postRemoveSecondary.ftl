postRemoveSecondary-subject = Secondary email removed
postRemoveSecondary-title = Secondary email removed from your account
# Variables:
#   $secondaryEmail (String) - the address that was removed
postRemoveSecondary-body = You removed { $secondaryEmail } as a secondary email address from your account. Security notifications and sign-in confirmations will no longer go to that address.
