"""Per-job options, as posted in the `options` form field of `POST /v1/jobs`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    field_serializer,
)

from providers.scheduler import JobPolicy


def _http_url(value: str) -> str:
    HttpUrl(value)  # validates scheme and host; we keep the string as given
    return value


HttpUrlStr = Annotated[str, AfterValidator(_http_url)]


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Literal["accuracy", "latency", "cost", "balanced"] = "balanced"
    languages: list[str] = Field(default_factory=list, max_length=20)
    regions: list[str] = Field(default_factory=list, max_length=20)
    budget_usd: float | None = Field(default=None, ge=0)
    providers: list[str] = Field(default_factory=list, max_length=10)
    password: SecretStr | None = None  # for encrypted PDFs; never logged or reported
    webhook_url: HttpUrlStr | None = None  # POSTed {id, status, links} when the job ends

    @field_serializer("password", when_used="json")
    def _dump_password(self, value: SecretStr | None) -> str | None:
        # Stored with the job so a restarted worker can still open the file.
        return value.get_secret_value() if value is not None else None

    def public(self) -> dict[str, object]:
        """What the API shows: everything but secrets."""
        shown = self.model_dump(mode="json", exclude={"password"})
        shown["password_set"] = self.password is not None
        return shown


def job_policy(
    options: JobOptions, *, pages: int | None = None, duration_s: float | None = None
) -> JobPolicy:
    """The scheduler's view of a job: its routing options and the source's size."""
    return JobPolicy(
        policy=options.policy,
        languages=tuple(options.languages),
        regions=tuple(options.regions),
        budget_usd=options.budget_usd,
        providers=tuple(options.providers),
        pages=pages,
        duration_s=duration_s,
    )
