verify-subject = Finish creating your account
verify-title = Confirm your email address
verify-intro = You’re almost done. Confirm this address to finish setting up your account.
verify-action = Confirm account
