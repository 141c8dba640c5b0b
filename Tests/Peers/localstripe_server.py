"""localstripe (PyPI: a stateful fake of Stripe's HTTP API) on 127.0.0.1 only, with its state
in a directory of its own: the payment provider of the tests and of `make dev`.

Usage: python localstripe_server.py DIRECTORY [PORT [--from-scratch] [--in-memory]]
Binds 127.0.0.1 on PORT (0 or none: a free one) and writes the port to DIRECTORY/port.

localstripe itself binds every interface (`::`) and pickles its whole state to the fixed
/tmp/localstripe.pickle on every write, which two stacks on one machine would share. Here its
aiohttp app is served on loopback, and its store is saved to DIRECTORY/state.pickle (written
to a temporary file and renamed, so a SIGKILL leaves the last whole state) and loaded from it
at start unless --from-scratch: a restarted provider keeps its intents, as Stripe would. It also
knows Stripe's test id `pm_card_threeDSecure2Required` (a card that asks for 3-D Secure).

--in-memory keeps the state in memory only, for the benchmark: pickling the whole store on every
write costs 66 ms once it holds 11,000 objects, and the provider, not the platform, was measured.
"""

import asyncio
import logging
import os
import pickle
import sys

from aiohttp import web

from localstripe import resources
from localstripe.server import app


def main():
    directory = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    from_scratch = "--from-scratch" in sys.argv[3:]
    in_memory = "--in-memory" in sys.argv[3:]
    os.makedirs(directory, exist_ok=True)
    state = os.path.join(directory, "state.pickle")

    def load(store):
        try:
            with open(state, "rb") as handle:
                saved = pickle.load(handle)
        except FileNotFoundError:
            return
        dict.clear(store)
        dict.update(store, saved)

    def save(store):
        temporary = state + ".tmp"
        with open(temporary, "wb") as handle:
            pickle.dump(dict(store), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, state)

    # Stripe's own test id for a card that asks for 3-D Secure, which localstripe lacks (it knows
    # the card number only): the console offers test methods by id, never by number.
    canonical = resources.PaymentMethod._try_get_canonical_test_article.__func__

    def canonical_with_3ds(cls, id):
        if id == "pm_card_threeDSecure2Required":
            return resources.PaymentMethod(
                type="card", card=dict(number="4000002500003155", exp_month="12", exp_year="2034", cvc="123"))
        return canonical(cls, id)

    resources.PaymentMethod._try_get_canonical_test_article = classmethod(canonical_with_3ds)
    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = (lambda store: None) if in_memory else save
    # localstripe also saves on every store write, and an object is stored before its fields are
    # set: a SIGKILL between that save and the one after the request left an intent without its
    # fields on disk, and once restarted every list of intents answered 500 (the chaos test in
    # CI, twice). Saving after each request only (its middleware) keeps whole requests.
    resources.Store.__setitem__ = dict.__setitem__
    resources.Store.__delitem__ = dict.__delitem__
    if in_memory:
        dict.clear(resources.store)
    elif from_scratch:
        dict.clear(resources.store)
        save(resources.store)
    else:
        load(resources.store)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def serve():
        runner = web.AppRunner(app, access_log=logging.getLogger("aiohttp.access"))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = runner.addresses[0][1]
        with open(os.path.join(directory, "port.tmp"), "w") as handle:
            handle.write(str(bound))
        os.replace(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
