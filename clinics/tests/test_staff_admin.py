"""Staff administration by the clinic admin, and every user's forgotten-password link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from clinics.models import Membership
from clinics.roles import Role
from clinics.tests.factories import PASSWORD, UserFactory, member

User = get_user_model()


def _membership(user: Any, clinic: Any) -> Membership:
    return Membership.objects.get(user=user, clinic=clinic)


def _link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def _set_password_through(client: Client, link: str, password: str) -> None:
    # Django's confirm view moves the token into the session and redirects to a fixed URL.
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302, response.content


def _audit(client: Client) -> str:
    return client.get("/clinic/audit/").content.decode()


# --- who may ------------------------------------------------------------------------------------


def _staff_urls(membership: Membership) -> list[tuple[str, str]]:
    base = f"/clinic/staff/{membership.public_id}/"
    return [
        ("get", base),
        ("post", f"{base}role/"),
        ("post", f"{base}deactivate/"),
        ("post", f"{base}reactivate/"),
        ("post", f"{base}unlock/"),
        ("post", f"{base}two-factor-reset/"),
        ("post", f"{base}password-link/"),
    ]


def test_the_admin_of_another_clinic_gets_404_on_every_member_url(
    admin_b: Any, frontdesk_a: Any, clinic_a: Any, login: Any
) -> None:
    target = _membership(frontdesk_a, clinic_a)
    client = login(admin_b)
    for method, url in _staff_urls(target):
        assert getattr(client, method)(url, {"role": Role.CLINIC_ADMIN}).status_code == 404, url
    target.refresh_from_db()
    assert target.is_active and target.role == Role.FRONT_DESK
    assert not mail.outbox


def test_the_outsider_gets_404_on_every_member_url(outsider: Any, frontdesk_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(outsider)
    for method, url in _staff_urls(_membership(frontdesk_a, clinic_a)):
        assert getattr(client, method)(url).status_code == 404, url


def test_a_member_who_is_not_admin_gets_403(physician_a: Any, frontdesk_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(physician_a)
    for method, url in _staff_urls(_membership(frontdesk_a, clinic_a)):
        assert getattr(client, method)(url).status_code == 403, url
    for url in ("/clinic/staff/", "/clinic/staff/add/", "/clinic/staff/add-existing/", "/clinic/staff/two-factor/"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(frontdesk_a: Any, clinic_a: Any) -> None:
    for method, url in _staff_urls(_membership(frontdesk_a, clinic_a)):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_staff_list_shows_the_active_clinics_members_only(
    admin_a: Any, physician_a: Any, outsider: Any, login: Any
) -> None:
    table = login(admin_a).get("/clinic/staff/").content.decode()
    assert physician_a.username in table
    assert outsider.username not in table


def test_the_staff_list_query_count_does_not_grow_with_members(
    admin_a: Any, clinic_a: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(40):
        member(clinic_a, Role.NURSE, f"nurse{i}")
    client = login(admin_a)
    with django_assert_max_num_queries(9):
        response = client.get("/clinic/staff/")
    assert response.content.decode().count("Manage") == 41


# --- adding -------------------------------------------------------------------------------------


def test_it_adds_a_new_account_and_emails_a_link_to_set_a_password(admin_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(admin_a)
    response = client.post(
        "/clinic/staff/add/",
        {
            "username": "theo.t",
            "first_name": "Theo",
            "last_name": "Tam",
            "email": "theo@example.org",
            "role": Role.THERAPIST,
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="theo.t")
    assert not user.is_superuser and not user.is_staff
    assert not user.has_usable_password()
    assert _membership(user, clinic_a).role == Role.THERAPIST
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["theo@example.org"]

    anonymous = Client()
    _set_password_through(anonymous, _link_in(str(mail.outbox[0].body)), "a-long-new-password-7")
    assert (
        anonymous.post("/accounts/login/", {"username": "theo.t", "password": "a-long-new-password-7"}).status_code
        == 302
    )
    assert "theo.t" in _audit(client) and "Added a new account" in _audit(client)


def test_a_new_account_with_a_taken_username_or_email_is_refused_with_a_message(
    admin_a: Any, outsider: Any, login: Any
) -> None:
    client = login(admin_a)
    data = {
        "username": outsider.username,
        "first_name": "A",
        "last_name": "B",
        "email": "new@example.org",
        "role": Role.NURSE,
    }
    response = client.post("/clinic/staff/add/", data)
    assert response.status_code == 200 and b"already exists" in response.content
    data.update(username="fresh.name", email=outsider.email.upper())
    response = client.post("/clinic/staff/add/", data)
    assert response.status_code == 200 and b"add the existing account" in response.content
    assert not User.objects.filter(username="fresh.name").exists()


def test_it_refuses_an_unknown_role(admin_a: Any, login: Any) -> None:
    data = {"username": "x.y", "first_name": "X", "last_name": "Y", "email": "x@example.org", "role": "superuser"}
    response = login(admin_a).post("/clinic/staff/add/", data)
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert not User.objects.filter(username="x.y").exists()


@pytest.mark.parametrize("by", ["username", "email"])
def test_it_adds_an_existing_account_of_another_clinic(
    admin_a: Any, outsider: Any, clinic_a: Any, clinic_b: Any, login: Any, by: str
) -> None:
    identifier = outsider.username if by == "username" else outsider.email.upper()
    response = login(admin_a).post("/clinic/staff/add-existing/", {"identifier": identifier, "role": Role.PHYSICIAN})
    assert response.status_code == 302
    assert _membership(outsider, clinic_a).role == Role.PHYSICIAN
    assert _membership(outsider, clinic_b).is_active  # the other clinic's membership is untouched


def test_adding_an_existing_account_needs_an_exact_match(
    admin_a: Any, outsider: Any, clinic_a: Any, login: Any
) -> None:
    client = login(admin_a)
    for near_miss in (outsider.username[:-1], outsider.username.upper(), outsider.email[1:]):
        response = client.post("/clinic/staff/add-existing/", {"identifier": near_miss, "role": Role.NURSE})
        assert response.status_code == 200 and b"No account has this username" in response.content, near_miss
    assert not Membership.objects.filter(user=outsider, clinic=clinic_a).exists()


def test_adding_a_current_member_again_is_refused(admin_a: Any, physician_a: Any, login: Any) -> None:
    response = login(admin_a).post(
        "/clinic/staff/add-existing/", {"identifier": physician_a.username, "role": Role.NURSE}
    )
    assert response.status_code == 200 and b"already a member" in response.content


def test_an_email_shared_by_two_accounts_asks_for_the_username(admin_a: Any, clinic_b: Any, login: Any) -> None:
    UserFactory.create(username="one", email="shared@example.org")
    UserFactory.create(username="two", email="shared@example.org")
    response = login(admin_a).post(
        "/clinic/staff/add-existing/", {"identifier": "shared@example.org", "role": Role.NURSE}
    )
    assert response.status_code == 200 and b"enter the username" in response.content


# --- changing -----------------------------------------------------------------------------------


def test_it_changes_a_role_and_the_audit_trail_shows_it(
    admin_a: Any, frontdesk_a: Any, clinic_a: Any, login: Any
) -> None:
    client = login(admin_a)
    target = _membership(frontdesk_a, clinic_a)
    response = client.post(f"/clinic/staff/{target.public_id}/role/", {"role": Role.NURSE})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.NURSE
    latest = target.history.first()
    assert latest.history_user == admin_a and latest.history_change_reason == "Changed the role"
    assert "Changed the role" in _audit(client)


def test_the_last_admin_can_neither_step_down_nor_deactivate_themselves(
    admin_a: Any, clinic_a: Any, login: Any
) -> None:
    client = login(admin_a)
    own = _membership(admin_a, clinic_a)
    response = client.post(f"/clinic/staff/{own.public_id}/role/", {"role": Role.NURSE})
    assert response.status_code == 400 and b"at least one active clinic admin" in response.content
    response = client.post(f"/clinic/staff/{own.public_id}/deactivate/")
    assert response.status_code == 400 and b"at least one active clinic admin" in response.content
    own.refresh_from_db()
    assert own.is_active and own.role == Role.CLINIC_ADMIN


def test_an_admin_may_step_down_when_another_admin_remains(admin_a: Any, clinic_a: Any, login: Any) -> None:
    member(clinic_a, Role.CLINIC_ADMIN, "admin.a2")
    client = login(admin_a)
    own = _membership(admin_a, clinic_a)
    response = client.post(f"/clinic/staff/{own.public_id}/deactivate/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    own.refresh_from_db()
    assert not own.is_active
    assert "_auth_user_id" not in client.session


def test_deactivating_a_member_ends_their_sessions(admin_a: Any, frontdesk_a: Any, clinic_a: Any, login: Any) -> None:
    desk = login(frontdesk_a)
    desk_elsewhere = login(frontdesk_a)
    assert desk.get("/").status_code == 200
    target = _membership(frontdesk_a, clinic_a)

    assert login(admin_a).post(f"/clinic/staff/{target.public_id}/deactivate/").status_code == 302

    for client in (desk, desk_elsewhere):
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    target.refresh_from_db()
    assert not target.is_active
    assert target.history.first().history_change_reason == "Deactivated"


def test_deactivation_leaves_other_peoples_sessions_alone(
    admin_a: Any, frontdesk_a: Any, physician_a: Any, clinic_a: Any, login: Any
) -> None:
    doctor = login(physician_a)
    login(admin_a).post(f"/clinic/staff/{_membership(frontdesk_a, clinic_a).public_id}/deactivate/")
    assert doctor.get("/patients/").status_code == 200


def test_a_deactivated_member_can_be_reactivated(admin_a: Any, frontdesk_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(admin_a)
    target = _membership(frontdesk_a, clinic_a)
    client.post(f"/clinic/staff/{target.public_id}/deactivate/")
    assert client.post(f"/clinic/staff/{target.public_id}/reactivate/").status_code == 302
    target.refresh_from_db()
    assert target.is_active
    assert login(frontdesk_a).get("/patients/").status_code == 200


def test_it_unlocks_an_account_locked_by_failed_passwords(
    admin_a: Any, physician_a: Any, clinic_a: Any, login: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": physician_a.username, "password": "wrong-password"})
    assert (
        Client().post("/accounts/login/", {"username": physician_a.username, "password": PASSWORD}).status_code == 429
    )
    client = login(admin_a)
    target = _membership(physician_a, clinic_a)
    assert b"Locked" in client.get(f"/clinic/staff/{target.public_id}/").content

    assert client.post(f"/clinic/staff/{target.public_id}/unlock/").status_code == 302

    assert not AccessAttempt.objects.filter(username=physician_a.username).exists()
    assert (
        Client().post("/accounts/login/", {"username": physician_a.username, "password": PASSWORD}).status_code == 302
    )
    assert "Unlocked the account" in _audit(client)


def test_it_sends_a_password_link_on_request(admin_a: Any, physician_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(admin_a)
    target = _membership(physician_a, clinic_a)
    assert client.post(f"/clinic/staff/{target.public_id}/password-link/").status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [physician_a.email]
    _set_password_through(Client(), _link_in(str(mail.outbox[0].body)), "another-long-password-3")
    physician_a.refresh_from_db()
    assert physician_a.check_password("another-long-password-3")
    assert "Sent a password link" in _audit(client)


def test_the_admin_edits_which_roles_need_two_factor(admin_a: Any, physician_a: Any, clinic_a: Any, login: Any) -> None:
    client = login(admin_a)
    response = client.post("/clinic/staff/two-factor/", {"roles": [Role.NURSE, Role.FRONT_DESK]})
    assert response.status_code == 302
    clinic_a.refresh_from_db()
    assert clinic_a.two_factor_roles == [Role.FRONT_DESK, Role.NURSE]
    assert clinic_a.history.first().history_user == admin_a
    response = client.post("/clinic/staff/two-factor/", {"roles": ["superuser"]})
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert login(physician_a).get("/clinic/staff/two-factor/").status_code == 403


# --- every user's forgotten password ------------------------------------------------------------


def test_anyone_can_reset_a_forgotten_password_by_email_over_smtp(physician_a: Any, smtp_inbox: Any) -> None:
    client = Client()
    page = client.get("/accounts/password-reset/")
    assert page.status_code == 200 and b"bootstrap.min.css" in page.content
    response = client.post("/accounts/password-reset/", {"email": physician_a.email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"

    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == physician_a.email
    link = _link_in(message.get_payload(decode=True).decode())
    _set_password_through(client, link, "fresh-long-password-9")
    assert (
        Client()
        .post("/accounts/login/", {"username": physician_a.username, "password": "fresh-long-password-9"})
        .status_code
        == 302
    )
    # The link works once.
    assert b"used already or has expired" in Client().get(link, follow=True).content


def test_an_unknown_email_gets_the_same_answer_and_no_mail(db: None) -> None:
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert not mail.outbox


def test_the_sign_in_page_links_to_the_forgotten_password_page(db: None) -> None:
    assert b'href="/accounts/password-reset/"' in Client().get("/accounts/login/").content
