# Variables:
#   $code (String) - 6-digit confirmation code
verifySecondaryCode-subject = Use { $code } to confirm your secondary email
verifySecondaryCode-title = Confirm your secondary email
# Variables:
#   $email (String) - the address being added, which receives this mail
verifySecondaryCode-intro = Someone asked to add { $email } as a secondary email address to their account.
verifySecondaryCode-prompt = If that was you, enter this confirmation code:
verifySecondaryCode-after = Once confirmed, this address will also receive security notifications and sign-in confirmations.
