cadReminderFirst-subject = Rappel : synchronisons { -brand-firefox } !
# « deux » désigne deux appareils.
cadReminderFirst-title = Pour synchroniser, il faut être deux
cadReminderFirst-intro = Connectez un autre appareil pour emporter vos onglets et retrouver vos marque-pages, mots de passe et autres données partout où vous utilisez { -brand-firefox }.
