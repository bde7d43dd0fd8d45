"""Who may do what with registrar tokens (django-rules predicates, asked through
`core.permissions`). Making a token needs `accounts.act_for_authority` on its authority."""

import rules


@rules.predicate
def owns_token(user, token):
    return token is not None and user.is_authenticated and token.user_id == user.pk


rules.add_perm("api.revoke_token", owns_token)
