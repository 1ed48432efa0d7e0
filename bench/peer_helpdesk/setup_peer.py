"""A staff account with an API token and one queue; prints "<token> <queue id> <user id>"."""

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

user, _ = get_user_model().objects.get_or_create(
    username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com"}
)
queue, _ = Queue.objects.get_or_create(slug="hotline", defaults={"title": "12345", "allow_public_submission": True})
token, _ = Token.objects.get_or_create(user=user)
print(token.key, queue.id, user.id)
