postVerify-subject = Compte vérifié. Synchronisez maintenant un autre appareil pour terminer la configuration
postVerify-title = Votre compte est confirmé
postVerify-intro = Sync garde vos marque-pages, mots de passe et autres données { -brand-firefox } identiques sur tous vos appareils. Connectez un autre appareil pour commencer la synchronisation.
postVerify-action = Configurer un autre appareil
