postVerifySecondary-subject = Secondary email added
postVerifySecondary-title = Secondary email confirmed
# Variables:
#   $secondaryEmail (String) - the address that was added
postVerifySecondary-body = You confirmed { $secondaryEmail } as a secondary email address for your account. Security notifications and sign-in confirmations will now go to both addresses.
