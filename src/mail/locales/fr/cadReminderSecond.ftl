cadReminderSecond-subject = Ne passez pas à côté ! Terminez la configuration de la synchronisation
cadReminderSecond-title = N’oubliez pas de synchroniser !
cadReminderSecond-intro = Synchronisez vos marque-pages, mots de passe, onglets ouverts et plus encore, partout où vous utilisez { -brand-firefox }.
cadReminderSecond-privacy = Vos données synchronisées sont chiffrées : seuls vous et les appareils que vous autorisez pouvez les lire.
