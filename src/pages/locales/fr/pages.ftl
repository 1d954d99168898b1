-product = Comptes

page-title = { -product }
skip-to-content = Aller au contenu
noscript = Ces pages ont besoin de JavaScript. Activez-le pour ce site et rechargez la page.
footer-text = Votre compte pour Firefox et d’autres services.

email-heading = Saisissez votre adresse e-mail
email-intro = Connectez-vous, ou créez un compte si vous n’en avez pas encore.
email-label = Adresse e-mail
email-continue = Continuer

signin-heading = Connexion
signin-intro = Saisissez le mot de passe de { $email }.
password-label = Mot de passe
signin-submit = Se connecter
change-email = Utiliser une autre adresse
forgot-password = Mot de passe oublié ? La réinitialisation n’est pas encore disponible sur ce serveur ; contactez son administration.

signup-heading = Créer votre compte
signup-intro = Choisissez un mot de passe pour { $email }.
new-password-label = Mot de passe
new-password-hint = Au moins 8 caractères.
repeat-password-label = Répétez le mot de passe
signup-submit = Créer le compte

code-heading = Saisissez le code de confirmation
code-intro = Nous avons envoyé un code à 6 chiffres à { $email }. Il n’est valable que peu de temps.
code-label = Code de confirmation
code-submit = Confirmer
code-resend = Envoyer un nouveau code

done-heading = Vous êtes connecté
done-intro = Vous êtes connecté en tant que { $email }.
done-settings = Aller à votre compte

busy = Veuillez patienter…

js-email-invalid = Saisissez une adresse e-mail valide.
js-password-short = Le mot de passe doit comporter au moins 8 caractères.
js-password-mismatch = Les mots de passe ne correspondent pas.
js-password-incorrect = Mot de passe incorrect.
js-account-exists = Un compte existe déjà pour cette adresse. Connectez-vous plutôt.
js-unknown-account = Il n’existe aucun compte pour cette adresse.
js-code-invalid = Saisissez les 6 chiffres reçus par e-mail.
js-code-wrong = Ce code est erroné ou a expiré. Vérifiez l’e-mail ou demandez un nouveau code.
js-code-sent = Un nouveau code est en route.
js-throttled = Trop de tentatives. Patientez un moment puis réessayez.
js-blocked = Cette connexion a été bloquée pour votre sécurité. Réessayez plus tard.
js-mail-failed = L’e-mail n’a pas pu être envoyé. Réessayez plus tard.
js-unavailable = Le serveur est occupé. Réessayez dans un instant.
js-network = Le serveur est injoignable. Vérifiez votre connexion et réessayez.
js-unexpected = Une erreur s’est produite. Veuillez réessayer.
js-signed-out = Vous êtes déconnecté.

link-working = Vérification du lien…
link-invalid = Ce lien est incomplet. Copiez le lien entier de l’e-mail dans la barre d’adresse, ou reconnectez-vous pour recevoir un nouveau code.
link-failed = Ce lien n’est pas valide ou a expiré. Reconnectez-vous pour recevoir un nouveau code.
link-sign-in = Se connecter

verify-email-heading = Confirmer votre compte
verify-email-done = Votre compte est confirmé. Vous pouvez maintenant vous connecter partout avec.

complete-signin-heading = Confirmer la connexion
complete-signin-done = La connexion est confirmée. Vous pouvez revenir à l’appareil sur lequel vous vous êtes connecté.

verify-primary-heading = Confirmer votre adresse
verify-primary-done = Votre adresse e-mail est confirmée.

report-signin-heading = Signaler une connexion
report-signin-intro = Quelqu’un a demandé un code pour débloquer une connexion à votre compte. Si ce n’était pas vous, signalez-le : le code ne fonctionnera plus. Changez ensuite votre mot de passe.
report-signin-submit = Signaler cette connexion
report-signin-done = Merci. Le code ne fonctionne plus.

push-heading = Approuver la connexion
push-intro = Un appareil tente de se connecter à { $email }. Approuvez-le seulement si c’est vous.
push-approve = Approuver
push-done = La connexion est approuvée.
push-need-session = Connectez-vous d’abord dans ce navigateur avec { $email }, puis rouvrez la notification.

settings-heading = Votre compte
settings-signed-in = Vous êtes connecté en tant que
settings-sign-out = Se déconnecter
settings-not-signed-in = Vous n’êtes pas connecté dans ce navigateur.
settings-more = Le changement de mot de passe, l’authentification en deux étapes et les autres réglages ne sont pas encore disponibles sur ces pages.

change-password-heading = Changer votre mot de passe
change-password-text = Le changement de mot de passe n’est pas encore disponible sur les pages de ce serveur. Si vous pensez que quelqu’un connaît votre mot de passe, contactez l’administration du serveur.

connect-heading = Connecter un autre appareil
connect-text = Votre compte est prêt. Dans Firefox sur vos autres appareils, connectez-vous avec la même adresse e-mail et le même mot de passe pour les synchroniser.

not-found-heading = Page introuvable
not-found-text = Cette page n’existe pas.

continue-heading = Bon retour
continue-intro = Vous êtes connecté en tant que { $email }.
continue-submit = Continuer
continue-other = Utiliser un autre compte
oauth-for-client = pour continuer vers { $client }
js-oauth-failed = La demande de connexion de l’application n’est pas valide. Revenez à l’application et réessayez.
js-session-expired = Votre session a expiré. Veuillez vous reconnecter.

unblock-heading = Confirmez que c’est bien vous
unblock-intro = Pour votre sécurité, cette connexion demande un code. Nous avons envoyé un code de 8 caractères à { $email }.
unblock-label = Code de déblocage
unblock-submit = Se connecter
js-unblock-invalid = Saisissez les 8 caractères reçus par e-mail.
js-unblock-wrong = Ce code est erroné ou a expiré.
