verifyPrimary-subject = Confirm primary email
verifyPrimary-title = Confirm your primary email
verifyPrimary-intro = Someone asked to change your account, for example to add a secondary email address. Changes like this become possible once you confirm this address.
verifyPrimary-action = Confirm email
