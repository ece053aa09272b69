"""Everyone the portal's authorization tests try, on top of the shared ``world``."""



PERSONAS = ("anonymous", "owner", "vice", "clerk", "member", "colleague", "english", "outsider", "district",
            "province", "province_other")


def login_as(client, world, who: str):
    if who != "anonymous":
        client.force_login(getattr(world, who).user)
    return client


from hocbaso.conftest import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN, lifecycle_school  # noqa: F401,E402
