"""The web console in real headless Chromium: every role's main flows, axe-core on every page
as every role it serves, and screenshots of every page in two sizes and both colour schemes.

Run by Tests/Browser/console.sh (make test-browser) against a live stack. Any failed check
ends the run with a non-zero status after printing what failed; the stack's own logs are under
.data/browser/.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import (
    JavascriptException,
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["BASE_URL"]
SHOTS = os.environ["SCREENSHOTS"]
DATABASE_URL = os.environ["DATABASE_URL"]
REDIS = ["redis-cli", "-p", os.environ["REDIS_PORT"], "-n", os.environ["REDIS_DB"]]

failures = []
axe_report = []
timings = {}


# MARK: Helpers


def check(condition, message):
    """Records a failed check and carries on, so one run reports everything that is wrong."""
    if condition:
        print(f"  ok   {message}")
    else:
        print(f"  FAIL {message}")
        failures.append(message)
    return condition


def sql(query):
    """One value from the browser run's database."""
    result = subprocess.run(["psql", DATABASE_URL, "-tAc", query], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def browser(javascript=True):
    options = webdriver.ChromeOptions()
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=en-GB"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


def go(driver, path):
    started = time.monotonic()
    driver.get(BASE + path)
    timings.setdefault(path.split("?")[0], []).append(time.monotonic() - started)


def wait(driver, condition, seconds=10, message="condition"):
    try:
        # A page being replaced (a navigation, a live region) is looked at again, not an error.
        return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException, JavascriptException]).until(
            lambda d: condition(d)
        )
    except TimeoutException:
        return None


def click(driver, selector):
    # A live region (the operations page polls) may be replaced between finding a button and
    # clicking it: the button is found again in the fresh copy.
    return wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True)


def text(driver):
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def fill(driver, fields):
    for name, value in fields.items():
        element = driver.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def accept_confirm(driver):
    """Accepts the script's confirmation dialog (present only with JavaScript, as here)."""
    try:
        WebDriverWait(driver, 3).until(lambda d: d.switch_to.alert)
        driver.switch_to.alert.accept()
    except (TimeoutException, NoAlertPresentException):
        check(False, "a confirmation dialog was shown")


def sign_in(driver, login, password):
    go(driver, "/login")
    fill(driver, {"username": login, "password": password})
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    wait(driver, lambda d: "/login" not in d.current_url)


def sign_out(driver):
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    wait(driver, lambda d: "/login" in d.current_url)


def status_of(driver):
    # Read in the page: the live region may replace the element between a find and a read.
    return driver.execute_script("const e = document.getElementById('order-status'); return e ? e.textContent.trim() : null")


def add_to_cart(driver, sku, quantity=1):
    go(driver, "/?q=" + sku)
    box = driver.find_element(By.ID, "qty-" + sku)
    box.clear()
    box.send_keys(str(quantity))
    box.find_element(By.XPATH, "./following-sibling::button").click()
    wait(driver, lambda d: "notice=added" in d.current_url)


def checkout(driver):
    """Places the cart as an order through the checkout page; returns the order's id."""
    go(driver, "/checkout")
    fill(driver, {"shipping_address": "12 Park Street, Kolkata"})
    driver.find_element(By.ID, "place-order").click()
    wait(driver, lambda d: re.search(r"/orders/[0-9a-f-]{36}", d.current_url))
    return re.search(r"/orders/([0-9a-f-]{36})", driver.current_url).group(1)


def payment_of(driver):
    e = driver.find_elements(By.ID, "payment-status")
    return e[0].text.strip() if e else None


def pay(driver, method="pm_card_visa"):
    """Pays for the order whose page is open with one of the test methods; returns the payment's label."""
    driver.find_element(By.CSS_SELECTOR, f"input[name=payment_method][value={method}]").click()
    driver.find_element(By.ID, "pay-order").click()
    wait(driver, lambda d: "notice=paid" in d.current_url or "notice=authenticate" in d.current_url, message="the payment answered")
    return payment_of(driver)


def emulate(driver, width, height, dark):
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]}
    )


def audit(driver, role, name):
    """axe-core on the page as it is, light and dark; then the four screenshots."""
    for dark in (False, True):
        emulate(driver, 1280, 800, dark)
        time.sleep(0.4)  # the colour transitions settle before contrast is measured
        axe = Axe(driver)
        axe.inject()
        results = axe.run(options={"resultTypes": ["violations"]})
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        scheme = "dark" if dark else "light"
        axe_report.append({"role": role, "page": name, "scheme": scheme, "violations": len(results["violations"]), "serious": len(serious)})
        for violation in serious:
            targets = [node["target"] for node in violation["nodes"]][:3]
            print(f"       axe {violation['impact']}: {violation['id']} {violation['help']} at {targets}")
        check(not serious, f"axe: no serious or critical violations on {name} as {role} ({scheme})")
    os.makedirs(SHOTS, exist_ok=True)
    for width, height in ((1280, 800), (375, 812)):
        for dark in (False, True):
            emulate(driver, width, height, dark)
            time.sleep(0.15)
            full = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            shot = driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width, "height": min(full["height"], 6000), "scale": 1}},
            )
            path = os.path.join(SHOTS, f"{role}-{name}-{width}x{height}-{'dark' if dark else 'light'}.png")
            with open(path, "wb") as file:
                import base64

                file.write(base64.b64decode(shot["data"]))
    emulate(driver, 1280, 800, False)
    # Horizontal overflow at 375 px would mean the page is not usable on a phone.
    emulate(driver, 375, 812, False)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 1, f"{name} as {role} fits 375 px without sideways scrolling ({overflow} px over)")
    emulate(driver, 1280, 800, False)


def requests_after_html(driver):
    """What the page fetched after its HTML, besides its event stream and live redraws (the budget is 4)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.initiatorType !== 'fetch').map(e => e.name)"
    )


def visit_and_audit(driver, role, pages):
    for name, path in pages:
        go(driver, path)
        fetched = requests_after_html(driver)
        check(len(fetched) <= 4, f"{name} as {role} needs {len(fetched)} requests after its HTML (at most 4)")
        audit(driver, role, name)


# MARK: Flows


def main():
    customer = browser()
    staff = browser()
    admin = browser()
    try:
        flows(customer, staff, admin)
    finally:
        for driver in (customer, staff, admin):
            driver.quit()
    print()
    print("axe: " + json.dumps({"pages": len(axe_report), "serious_or_critical": sum(r["serious"] for r in axe_report),
                                "other_violations": sum(r["violations"] - r["serious"] for r in axe_report)}))
    print("page load in Chromium (navigation to load event, slowest visit, seconds): " + json.dumps({k: round(max(v), 3) for k, v in sorted(timings.items())}))
    if failures:
        print(f"\n{len(failures)} checks failed:")
        for failure in failures:
            print("  - " + failure)
        sys.exit(1)
    print("\nevery browser check passed")


def flows(customer, staff, admin):
    name = "shopper_" + uuid.uuid4().hex[:8]
    password = "shopper-password-1"
    sku = "CL-TSHIRT-01"

    print("anyone: the shop, sign-in and register pages")
    go(customer, "/")
    check("Jump Starter" in text(customer) and "Page 1 of 3" in text(customer), "the shop lists the demo catalog, paged")
    customer.find_element(By.LINK_TEXT, "Books (4)").click()
    wait(customer, lambda d: "category=Books" in d.current_url)
    check("Server-Side Swift" in text(customer) and "Cotton T-Shirt" not in text(customer), "a category chip filters the shop")
    visit_and_audit(customer, "anonymous", [("shop", "/"), ("login", "/login"), ("register", "/register"), ("not-found", "/no/such/page")])

    print("customer: register, sign out, sign in with the email")
    go(customer, "/register")
    fill(customer, {"username": name, "email": f"{name}@example.com", "full_name": "Sam Shopper", "password": "short"})
    customer.execute_script("document.getElementById('reg-password').removeAttribute('minlength')")
    customer.find_element(By.CSS_SELECTOR, "form[action='/register'] button").click()
    wait(customer, lambda d: "Password must be" in text(d))
    check("Password must be 8 to 128 characters" in text(customer), "a problem is shown next to its field")
    check(customer.find_element(By.NAME, "username").get_attribute("value") == name, "the form keeps what was typed")
    fill(customer, {"password": password})
    customer.find_element(By.CSS_SELECTOR, "form[action='/register'] button").click()
    wait(customer, lambda d: "/dashboard" in d.current_url)
    check("Your account is ready" in text(customer), "registering signs the new customer in")
    sign_out(customer)
    sign_in(customer, f"{name}@example.com", password)
    check("/dashboard" in customer.current_url and name in text(customer), "signing in with the email lands on the dashboard")

    print("customer: cart, checkout with a double submit, my orders, countdown, cancel")
    add_to_cart(customer, sku, 2)
    add_to_cart(customer, "BK-CODE-01", 1)
    go(customer, "/cart")
    check("Cart (3)" in text(customer), "the cart keeps its lines across pages (3 items)")
    visit_and_audit(customer, "customer", [("cart", "/cart"), ("checkout", "/checkout")])
    go(customer, "/checkout")
    fill(customer, {"shipping_address": "12 Park Street, Kolkata", "customer_phone": "+91 98300 00000"})
    # Two submits of the same page at once (a double click with the script's guard removed).
    customer.execute_script(
        """
        const form = document.querySelector("form[action='/checkout']");
        const body = new URLSearchParams(new FormData(form));
        window.__both = Promise.all([1, 2].map(() => fetch('/checkout', {method: 'POST', body, redirect: 'follow'})))
          .then(rs => rs.map(r => r.url));
        """
    )
    urls = customer.execute_async_script("window.__both.then(arguments[arguments.length - 1])")
    check(len(set(urls)) == 1 and "/orders/" in urls[0], f"both submits end on one order ({urls})")
    count = sql(f"SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.username = '{name}'")
    check(count == "1", f"a double submit places one order (found {count})")
    first = re.search(r"/orders/([0-9a-f-]{36})", urls[0]).group(1)
    go(customer, "/orders")
    check(len(customer.find_elements(By.CSS_SELECTOR, "[data-live=orders] tbody tr")) == 1, "my orders lists the order")
    go(customer, f"/orders/{first}")
    countdown = customer.find_element(By.ID, "cancel-countdown")
    before = countdown.text
    time.sleep(2.2)
    check(re.match(r"^\d+ s$|^\d+ min \d+ s$", countdown.text) and countdown.text != before, f"the cancel countdown runs ({before} → {countdown.text})")
    customer.find_element(By.ID, "c-reason").send_keys("ordered twice by mistake")
    customer.find_element(By.ID, "cancel-order").click()
    accept_confirm(customer)
    wait(customer, lambda d: "notice=cancelled" in d.current_url)
    check(status_of(customer) == "Cancelled", "the customer cancels within the window")
    check("ordered twice by mistake" in text(customer), "the timeline shows the reason")

    print("customer: a second order is paid, then processed by a worker while its page is open")
    add_to_cart(customer, "SP-MAT-01", 1)
    second = checkout(customer)
    audit(customer, "customer", "order-pending")
    check(payment_of(customer) == "Awaiting payment", f"a new order awaits its payment ({payment_of(customer)!r})")
    paid = pay(customer)
    check(paid == "Authorised", f"paying with the test Visa authorises the payment ({paid!r})")
    audit(customer, "customer", "order-authorised")
    customer.execute_script("window.__stillHere = true")
    moved = wait(customer, lambda d: status_of(d) == "Processing", seconds=40)
    check(moved is not None, "the open order page shows processing")
    check(customer.execute_script("return window.__stillHere === true"), "… without a reload")
    said = wait(customer, lambda d: "Processing" in (d.find_element(By.ID, "live-announcer").get_attribute("textContent") or ""), seconds=3)
    announced = customer.find_element(By.ID, "live-announcer").get_attribute("textContent")
    check(said is not None, f"the change is announced to screen readers ({announced!r})")
    captured = wait(customer, lambda d: payment_of(d) == "Paid", seconds=15)
    check(captured is not None and customer.execute_script("return window.__stillHere === true"),
          f"the capture that follows the move shows as paid without a reload ({payment_of(customer)!r})")
    # The page learns of changes from the event stream, not by asking again: with nothing
    # happening to its order for 9 s (two polls' worth), it fetches nothing.
    time.sleep(2)
    fetches = "return performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch').length"
    before_quiet = customer.execute_script(fetches)
    time.sleep(9)
    after_quiet = customer.execute_script(fetches)
    check(after_quiet == before_quiet, f"the open order page does not poll ({after_quiet - before_quiet} fetches in 9 quiet seconds)")
    visit_and_audit(customer, "customer", [("dashboard", "/dashboard"), ("orders", "/orders"), ("account", "/account"), ("order", f"/orders/{second}")])

    print("vendor: filters, ships with a tracking number; the customer sees shipped")
    sign_in(staff, "vendor", "vendor-password")
    go(staff, "/orders")
    Select(staff.find_element(By.ID, "f-status")).select_by_value("processing")
    fill(staff, {"q": f"{name}@example.com"})
    staff.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait(staff, lambda d: "status=processing" in d.current_url)
    check("q=" in staff.current_url, "the filters are kept in the URL")
    rows = staff.find_elements(By.CSS_SELECTOR, "[data-live=orders] tbody tr")
    check(len(rows) == 1, f"the vendor's filter finds the customer's processing order ({len(rows)} rows)")
    staff.find_element(By.LINK_TEXT, "#" + second[-8:]).click()
    wait(staff, lambda d: second in d.current_url)
    check(payment_of(staff) == "Paid", f"the vendor sees the payment captured when the order moved ({payment_of(staff)!r})")
    before = staff.current_url
    staff.find_element(By.ID, "move-shipped").click()
    time.sleep(0.5)
    check(staff.current_url == before and status_of(staff) == "Processing", "shipping without a tracking number is stopped in the form")
    staff.find_element(By.ID, "m-tracking").send_keys("TRACK-42")
    staff.find_element(By.ID, "move-shipped").click()
    wait(staff, lambda d: "notice=moved" in d.current_url)
    check(status_of(staff) == "Shipped", "the vendor ships the order")
    shipped = wait(customer, lambda d: status_of(d) == "Shipped", seconds=15)
    check(shipped is not None and "TRACK-42" in text(customer), "the customer's open page shows shipped with the tracking number")

    print("vendor: a bulk action with one illegal order reports that one")
    add_to_cart(customer, "FB-TEA-01", 1)
    third = checkout(customer)
    go(staff, f"/orders?q={name}%40example.com&status=")
    boxes = {b.get_attribute("value"): b for b in staff.find_elements(By.CSS_SELECTOR, "input[name='ids[]']")}
    check({first, third} <= set(boxes), "the list offers the orders to select")
    boxes[first].click()
    boxes[third].click()
    Select(staff.find_element(By.ID, "bulk-action")).select_by_value("process")
    staff.find_element(By.CSS_SELECTOR, "#bulk button[type=submit]").click()
    accept_confirm(staff)
    wait(staff, lambda d: "/orders/bulk" in d.current_url)
    check("1 applied, 1 refused" in text(staff), "the bulk result counts one applied and one refused")
    refused = staff.find_elements(By.CSS_SELECTOR, "tr.bulk-refused")
    check(len(refused) == 1 and first[-8:] in refused[0].text, "the refused one is the cancelled order")
    audit(staff, "vendor", "bulk-result")
    visit_and_audit(
        staff,
        "vendor",
        [("dashboard", "/dashboard"), ("orders", "/orders"), ("order", f"/orders/{third}"), ("catalog", "/manage/products"),
         ("product-new", "/manage/products/new"), ("product-edit", "/manage/products/EL-PHONE-01"), ("forbidden", "/admin/users")],
    )

    print("customer: another customer's order is the 404 page; a form without its token is refused")
    other = browser()
    try:
        sign_in(other, "customer", "customer-password")
        go(other, f"/orders/{third}")
        check("Not found" in text(other) and first[-8:] not in text(other), "another customer's order URL gives the 404 page")
        go(other, "/account")
        other.execute_script("document.querySelector(\"form[action='/account/profile'] input[name=_csrf]\").remove()")
        other.find_element(By.CSS_SELECTOR, "form[action='/account/profile'] button").click()
        wait(other, lambda d: "did not come from this site" in text(d))
        check("did not come from this site" in text(other), "a form posted without its CSRF token is refused")
    finally:
        other.quit()

    print("without JavaScript: sign in, add to the cart, place an order, see it")
    plain = browser(javascript=False)
    try:
        sign_in(plain, "customer", "customer-password")
        check("/dashboard" in plain.current_url, "signing in works with JavaScript off")
        go(plain, "/?q=FB-CHOC-01")
        plain.find_element(By.CSS_SELECTOR, "form[action='/cart/add'] button").click()
        wait(plain, lambda d: "notice=added" in d.current_url)
        go(plain, "/checkout")
        plain.find_element(By.NAME, "shipping_address").send_keys("1 Plain Road")
        plain.find_element(By.ID, "place-order").click()
        wait(plain, lambda d: re.search(r"/orders/[0-9a-f-]{36}", d.current_url))
        placed = re.search(r"/orders/[0-9a-f-]{36}", plain.current_url)
        check(placed is not None, "an order is placed with JavaScript off")
        body = plain.find_element(By.TAG_NAME, "body").text
        check("Dark Chocolate 70%" in body and "Pending" in body, "its page is complete without JavaScript (first paint needs no script)")
    finally:
        plain.quit()

    print("admin: a dead job is retried and applied")
    add_to_cart(customer, "FB-HONEY-01", 1)
    fourth = checkout(customer)
    check(pay(customer) == "Authorised", "the fourth order is paid for")
    member = f"{fourth}:processing"
    # The job fails every attempt: what a worker leaves behind, written as its scripts do, in the
    # job's partition (the order id's last four hex digits modulo JOB_PARTITIONS).
    jobs = f"jobs:{{transition:{int(fourth[-4:], 16) % int(os.environ.get('JOB_PARTITIONS', '16'))}}}:"
    subprocess.run(REDIS + ["ZREM", jobs + "scheduled", member], check=True, capture_output=True)
    subprocess.run(REDIS + ["HSET", jobs + "attempts", member, "5"], check=True, capture_output=True)
    subprocess.run(REDIS + ["HSET", jobs + "error", member, "simulated: the database refused"], check=True, capture_output=True)
    subprocess.run(REDIS + ["ZADD", jobs + "dead", str(int(time.time() * 1000)), member], check=True, capture_output=True)
    sign_in(admin, "admin", "admin-password")
    go(admin, "/admin/operations")
    check("simulated: the database refused" in text(admin), "the operations page lists the dead job with its last error")
    check(len(admin.find_elements(By.CSS_SELECTOR, f"a[href='/orders/{fourth}']")) == 1, "the dead job links to its order")
    audit(admin, "admin", "operations")
    check(click(admin, f"form[action='/admin/operations/dead/{member}/retry'] button") is not None, "the dead job's retry is pressed")
    wait(admin, lambda d: "notice=retried" in d.current_url)
    applied = wait(customer, lambda d: status_of(d) == "Processing", seconds=40)
    check(applied is not None, "the retried job moves the order to processing")
    # A dead job's order is otherwise moved only by the reconciler's sweep, with its own reason.
    reason = sql(f"SELECT reason FROM order_events WHERE order_id = '{fourth}' AND kind = 'transition' AND to_status = 'processing'")
    check(reason == "auto-processed", f"… by a worker applying the retried job (reason {reason!r})")

    print("admin: creates a vendor, deactivates the customer, whose open session ends")
    go(admin, "/admin/users")
    vendor = "staff_" + uuid.uuid4().hex[:8]
    fill(admin, {"username": vendor, "email": f"{vendor}@example.com", "full_name": "New Vendor", "password": "vendor-password-2"})
    Select(admin.find_element(By.ID, "n-role")).select_by_value("vendor")
    admin.find_element(By.CSS_SELECTOR, "form[method=post][action='/admin/users'] button[type=submit]").click()
    created = wait(admin, lambda d: "notice=created" in d.current_url)
    check(created is not None, "the admin creates a vendor" + ("" if created else f" ({text(admin)[:300]!r})"))
    newcomer = browser()
    try:
        sign_in(newcomer, vendor, "vendor-password-2")
        signed_in = "Vendor" in text(newcomer) and "/dashboard" in newcomer.current_url
        check(signed_in, "the new vendor signs in" + ("" if signed_in else f" (at {newcomer.current_url}: {text(newcomer)[:300]!r})"))
    finally:
        newcomer.quit()
    go(admin, f"/admin/users?q={name}")
    admin.find_element(By.CSS_SELECTOR, f"tr[data-user='{name}'] form input[value=deactivate] ~ button").click()
    accept_confirm(admin)
    wait(admin, lambda d: "notice=saved" in d.current_url)
    go(admin, f"/admin/users?q={name}")
    check("Deactivated" in text(admin), "the customer is deactivated")
    go(customer, "/orders")
    check("/login" in customer.current_url, "the deactivated customer's open session is signed out at its next request")
    visit_and_audit(admin, "admin", [("dashboard", "/dashboard"), ("users", "/admin/users"), ("orders", "/orders"), ("order", f"/orders/{fourth}"), ("account", "/account"), ("webhooks", "/admin/webhooks"), ("outbox", "/admin/outbox")])


if __name__ == "__main__":
    main()
