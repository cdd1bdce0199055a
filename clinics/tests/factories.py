from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from clinics.models import Clinic, Membership
from clinics.roles import Role

PASSWORD = "correct-horse-battery-1"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "America/Chicago"
    # Test clinics sign in with a password alone; two-factor tests choose roles themselves.
    two_factor_roles: list[str] = []


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.PHYSICIAN


def member(clinic: Clinic, role: str, username: str | None = None) -> User:
    """A user with ``role`` at ``clinic``."""
    kwargs = {"username": username} if username else {}
    user: User = UserFactory.create(**kwargs)
    MembershipFactory(user=user, clinic=clinic, role=role)
    return user
