"""Async repositories: the only code that knows collection names and query shapes.

Every state change is a single conditional update (`find_one_and_update` / `update_one` with the
expected current state in the filter), so two API replicas or a resumed runner cannot both win a
transition. Queries stay within what both MongoDB and nx-27017 support: no `$not`, no matching of
missing fields with `None`, no `$ne` against arrays (nx-27017 evaluates those differently).
"""

from pymongo.asynchronous.database import AsyncDatabase

from store.repositories._common import MAX_PAGE, normalize_email
from store.repositories.analytics import AnalyticsRepo
from store.repositories.api_keys import API_KEY_PREFIX, ApiKeysRepo
from store.repositories.images import ImageResult, ImagesRepo
from store.repositories.jobs import JobsRepo
from store.repositories.notifications import NotificationsRepo
from store.repositories.payments import PaymentsRepo
from store.repositories.promotions import PromotionsRepo
from store.repositories.refresh_tokens import RefreshTokensRepo
from store.repositories.settings import SettingsRepo
from store.repositories.transactions import TransactionsRepo
from store.repositories.users import UsersRepo

__all__ = [
    "API_KEY_PREFIX",
    "MAX_PAGE",
    "AnalyticsRepo",
    "ApiKeysRepo",
    "ImageResult",
    "ImagesRepo",
    "JobsRepo",
    "NotificationsRepo",
    "PaymentsRepo",
    "PromotionsRepo",
    "RefreshTokensRepo",
    "Repositories",
    "SettingsRepo",
    "TransactionsRepo",
    "UsersRepo",
    "normalize_email",
]


class Repositories:
    """Every repository on one database, built once per process (API replica, runner)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.users = UsersRepo(db)
        self.api_keys = ApiKeysRepo(db)
        self.jobs = JobsRepo(db)
        self.images = ImagesRepo(db)
        self.transactions = TransactionsRepo(db)
        self.payments = PaymentsRepo(db)
        self.settings = SettingsRepo(db)
        self.refresh_tokens = RefreshTokensRepo(db)
        self.promotions = PromotionsRepo(db)
        self.notifications = NotificationsRepo(db)
        self.analytics = AnalyticsRepo(db)
