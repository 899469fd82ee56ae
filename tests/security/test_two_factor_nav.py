"""Until the second factor is confirmed, the header offers none of the staff's pages (Today, Call
queue, Follow-up, Data protection, Admin): only the log-out (issue 18)."""

import pytest
from django_otp.oath import TOTP

from accounts.two_factor import device_for
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("fast_password_hashing"),
]

PASSWORD = "correct horse battery staple"
STAFF_LINKS = [
    "/volunteer/",
    "/volunteer/queue/",
    "/reports/",
    "/privacy-officer/record/",
    "/admin/",
]


def header(html: str) -> str:
    return html.split("<header", 1)[1].split("</header>", 1)[0]


@pytest.mark.parametrize(
    ("role", "link"),
    [
        ("volunteer_coordinator", "/volunteer/queue/"),
        ("partner_coordinator", "/admin/"),
        ("data_protection_officer", "/privacy-officer/record/"),
        ("manager", "/reports/"),
    ],
)
def test_no_staff_navigation_before_the_code(client, organisations, role, link):
    user = UserFactory(roles=[role], organisation=organisations["partner"], is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    shown = header(page.content.decode())
    assert not [link for link in STAFF_LINKS if f'href="{link}' in shown], shown
    assert 'action="/accounts/logout/"' in shown

    device = device_for(user)
    device.confirmed = True  # as after the first code; the next code logs in
    device.save()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    done = client.post("/accounts/two-factor/", {"token": f"{totp.token():0{device.digits}d}"})
    assert done.status_code == 302
    # Confirmed: the same page's header offers the person's pages.
    after = header(client.get("/accounts/two-factor/").content.decode())
    assert f'href="{link}"' in after, after
