"""Helpers for browser tests: wait for Streamlit, open a page, pick a model, screenshot."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def wait_idle(page, timeout: float = 120_000) -> None:
    """Wait until the script run is finished (how Streamlit's own e2e tests wait)."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']",
        timeout=timeout,
    )
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=timeout
    )


def open_app_page(page, app_url: str, path: str = "", model: str | None = None) -> None:
    """Open a page (``path`` as in the URL, e.g. "latent_map") and wait for its script to finish."""
    page.goto(f"{app_url}/{path}", timeout=120_000)
    wait_idle(page)
    if model is not None:
        choose_model(page, model)


def choose_model(page, title_fragment: str) -> None:
    box = page.locator(".st-key-model_name")
    box.click()
    page.get_by_role("option", name=title_fragment).first.click()
    wait_idle(page)


def no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']"
    ).first.inner_text()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
