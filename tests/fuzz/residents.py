"""Random residents for the conversation fuzzer: a seeded generator, pools of answers, side paths,
noise and typos, and the invariants every conversation must keep.

A resident answers whatever the bot asks (by the response name of its last message, as the personas
do), sometimes takes one side path first (at most one per question: "weet ik niet", a question back,
chitchat, an out-of-scope question, noise), and types with random typos, capitals or no punctuation.
Contact details are generated valid (checked with the same libraries the bot uses: phonenumbers and
email-validator) in many formats, so the bot must accept each on the first try.

Invariants (see :func:`check`):

* ``read_back``   a resident who keeps answering reaches the read-back within READ_BACK_BUDGET turns;
* ``loop``        the bot never asks the same question three times in a row, and the conversation
                  ends (``utter_close``) within TURN_BUDGET turns;
* ``false_alarm`` no ``utter_safety_*`` reply to a message the safety lexicon does not flag
                  (``bot.safety.screen.screen``);
* ``error``       no server error: the bot always answers, and no action fails;
* ``contact``     a valid phone number or e-mail address typed as the answer to the contact question
                  (or straight away to "how may we contact you") is accepted the first time.
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.conversation import response_name
from tests.personas.runner import END, READ_BACK, SAFETY, SAFETY_EXTRA, Transport, TransportError, question_key

READ_BACK_BUDGET = 30
TURN_BUDGET = 50
LOOP_REPEATS = 3
SIDE_PATH_CHANCE = 0.25
NOISE_CHANCE = 0.35

POOLS: dict[str, list[str]] = {
    "situation": [
        "Ik kan mijn rekeningen niet meer betalen sinds ik minder uren werk.",
        "mijn moeder wordt vergeetachtig en woont alleen",
        "Ik heb een nieuwe heup en kan de trap niet meer op.",
        "We wonen met vijf mensen in een flat met twee kamers.",
        "ik zit al een jaar thuis zonder werk en verveel me kapot",
        "Mijn zoon van 15 gaat niet meer naar school.",
        "De verwarming doet het niet en de verhuurder reageert niet.",
        "ik ben net gescheiden en weet niet hoe het moet met de toeslagen",
        "Sinds mijn vrouw is overleden eet ik slecht en kom ik weinig buiten.",
        "IK KRIJG STEEDS BRIEVEN VAN DE DEURWAARDER",
        "Ik zorg voor mijn man met parkinson en ik ben moe.",
        "mn uitkering is gestopt en ik snap niet waarom",
        "Ik ben slechtziend en kan mijn post niet lezen.",
        "Mijn dochter heeft autisme en er is geen plek op een school.",
        "ik woon in een huis met schimmel en mijn kinderen hoesten",
        "Ik ben 80 en het huishouden lukt niet meer.",
        "Ik heb een verslaving aan gokken en daardoor schulden.",
        "ik ben nieuw in nederland en begrijp de brieven niet",
    ],
    "what_matters": [
        "Dat ik rustig kan slapen.", "zelf boodschappen doen", "Dat mijn kinderen niks tekort komen.",
        "In mijn eigen huis blijven wonen.", "weer werk", "Dat ik weet waar ik aan toe ben.",
        "Mijn kleinkinderen zien.", "gezelschap", "Een warm huis.", "dat het ophoudt",
        "Weer mee kunnen doen, bijvoorbeeld bij de voetbalclub.", "rust in mijn hoofd",
    ],
    "what_matters_effect": [
        "Dan kan ik weer naar de markt.", "dan zie ik mijn vrienden weer", "Dan ben ik minder alleen.",
        "Dan kan ik zelf naar de dokter.",
    ],
    "what_was_tried": [
        "Mijn zus helpt soms.", "nog niks", "Ik heb de woningcorporatie gebeld.", "bij de huisarts geweest",
        "Een betalingsregeling gevraagd, dat lukte niet.", "Ik heb een cursus gedaan.",
        "Ik heb het zelf proberen te regelen met een app.", "mijn buurman heeft meegekeken",
        "Gesprekken met school gehad.", "Op internet gezocht naar hulp.",
    ],
    "what_would_help": [
        "Iemand die met mij de post doorneemt.", "hulp in de huishouding", "Een maatje om mee te wandelen.",
        "Een woning op de begane grond.", "iemand die met mij belt met instanties", "Een plan voor mijn schulden.",
        "Een begeleider voor mijn zoon.", "Kinderopvang zodat ik kan werken.", "Vervoer naar de dagbesteding.",
        "Dat iemand een keer langskomt om te kijken.",
    ],
    "network": [
        "Mijn dochter.", "niemand", "de buren", "Mijn zoon en mijn zus.", "een vriendin van de kerk",
        "Mijn man, maar die werkt veel.", "Mijn neef.", "Mijn moeder en mijn tante.",
    ],
    "network_load": ["ja", "nee", "soms", "nee hoor", "JA", "ja wel", "niet echt"],
    "urgent": ["nee", "nee hoor", "NEE", "nee, niks", "nee dat niet", "ja, de stroom wordt vrijdag afgesloten"],
    "urgency_detail": ["De stroom wordt vrijdag afgesloten.", "Er is geen eten meer in huis."],
    "read_back_ok": ["ja", "ja dat klopt", "klopt", "JA", "ja hoor", "jazeker"],
    "consent": ["ja", "ja hoor", "prima", "ja graag", "JA", "oke"],
    "contact_time": ["maakt niet uit", "'s ochtends", "na drie uur", "op maandag", "s avonds", "tussen 9 en 12"],
    "access_needs": ["nee", "nee hoor", "een tolk Turks", "mijn dochter komt mee", "grote letters"],
    "client_support": ["ja", "nee", "nee dank u", "ja graag", "NEE"],
    "pass_on": ["nee, ik ga hier verder"],
    "correct_section": ["wat zou helpen", "wat er speelt", "mensen om mij heen"],
    "correction_text": ["Iemand die elke week even langskomt.", "Mijn buurvrouw en mijn broer."],
    "addition": ["Ik ben 's ochtends het best bereikbaar."],
    "come_back": ["verder"],
}
CHANNEL_WORDS = {
    "phone": ["bellen", "bel mij maar", "telefoon", "BELLEN", "graag bellen"],
    "email": ["mail", "e-mail", "per mail", "email graag", "MAIL"],
    "visit": ["langskomen", "bij mij thuis langskomen", "kom maar langs"],
    "chat": ["later via de chat", "via de chat"],
    "anonymous": ["anoniem", "geen contact, anoniem", "liever anoniem"],
}
SIDE_PATHS = [
    "ik weet het niet", "weet ik niet", "geen idee", "wat gebeurt er met mijn verhaal?", "hoe lang duurt dit?",
    "ben je een robot?", "wanneer wordt het grofvuil opgehaald?", "dank je", "???", "hmm", "ok",
    "wie leest dit?", "moet ik mijn bsn geven?",
]
FIRST_NAMES = ["jan", "anna", "mohamed", "fatima", "piet", "sanne", "john", "sarah", "jean", "marie", "tomasz",
               "katarzyna", "ayse", "mehmet", "lotte", "wim", "noor", "daan", "zoe", "pieter"]
LAST_NAMES = ["de vries", "jansen", "el amrani", "bakker", "smith", "dubois", "kowalski", "yilmaz", "van den berg",
              "peeters", "janssens", "visser", "nowak", "o'brien", "de smet", "wisniewski"]
DOMAINS = ["gmail.com", "hotmail.nl", "ziggo.nl", "kpnmail.nl", "outlook.com", "telenet.be", "skynet.be", "wp.pl",
           "icloud.com", "xs4all.nl", "live.nl", "gemeente-voorbeeld.nl", "yahoo.fr", "onet.pl", "planet.nl"]


def valid_phone(rng: random.Random) -> str:
    """A valid Dutch number, mobile or landline, in one of the forms residents type."""
    import phonenumbers

    while True:
        area = "6" if rng.random() < 0.7 else rng.choice(["20", "10", "70", "30", "40", "50", "591", "223", "45"])
        length = 8 if area == "6" else 9 - len(area)
        rest = rng.choice("123456789") + "".join(rng.choice(string.digits) for _ in range(length - 1))
        national = "0" + area + rest
        form = rng.choice(["plain", "dash", "spaces", "plus", "plus_spaces", "0031", "dots", "pairs"])
        text = {
            "plain": national,
            "dash": f"0{area}-{rest}",
            "spaces": f"0{area} {rest[:3]} {rest[3:]}",
            "plus": f"+31{area}{rest}",
            "plus_spaces": f"+31 {area} {rest[:4]} {rest[4:]}",
            "0031": f"0031{area}{rest}",
            "dots": ".".join(national[i:i + 2] for i in range(0, len(national), 2)),
            "pairs": f"0{area} " + " ".join(rest[i:i + 2] for i in range(0, len(rest), 2)),
        }[form]
        if phonenumbers.is_valid_number(phonenumbers.parse(text, "NL")):
            return text


def valid_email(rng: random.Random) -> str:
    from email_validator import validate_email

    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        sep = rng.choice([".", "_", "-", ""])
        local = sep.join([first, last.replace(" ", rng.choice([".", "", "-"])).replace("'", rng.choice(["", "'"]))])
        if rng.random() < 0.3:
            local += str(rng.randint(1, 2005))
        if rng.random() < 0.2:
            local += "+" + rng.choice(["gemeente", "naast", "zorg"])
        address = f"{local}@{rng.choice(DOMAINS)}"
        case = rng.random()
        if case < 0.2:
            address = address.upper()
        elif case < 0.45:
            address = "".join(c.upper() if i == 0 or address[i - 1] in "._-@" else c for i, c in enumerate(address))
        try:
            validate_email(address, check_deliverability=False)
            return address
        except Exception:  # noqa: BLE001 - a generated address the validator refuses is simply not used
            continue


def typo(text: str, rng: random.Random) -> str:
    """One kind of noise: a swapped or dropped letter, all capitals, lower case without punctuation."""
    kind = rng.choice(["swap", "drop", "caps", "lower_nopunct", "double"])
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if kind == "caps":
        return text.upper()
    if kind == "lower_nopunct":
        return "".join(c for c in text.lower() if c not in ".,!?;:")
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "drop":
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]


# ------------------------------------------------------------------ one resident
@dataclass
class Violation:
    invariant: str
    turn: int
    sent: str
    replies: list[str]
    detail: str = ""

    def __str__(self) -> str:
        return f"[{self.invariant}] turn {self.turn}: {self.sent!r:.80} -> {self.replies} {self.detail}".strip()


@dataclass
class FuzzResult:
    seed: str
    sender: str
    turns: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (asked, sent, replies)
    reached_read_back_at: int | None = None
    ended: bool = False
    violations: list[Violation] = field(default_factory=list)

    def transcript(self) -> str:
        return "\n".join(f"  {i:>2} [{a}] {s!r:.70} -> {', '.join(r)}" for i, (a, s, r) in
                         enumerate(self.turns, 1))


class Resident:
    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.channel = self.rng.choice(list(CHANNEL_WORDS))
        self.phone = valid_phone(self.rng)
        self.email = valid_email(self.rng)
        self.direct = self.rng.random() < 0.3  # types the number or address at the channel question
        self.side_paths_done: set[str] = set()
        self.last_real_key = "situation"
        self.opening = self.rng.choice(["hallo", "Hallo", "goedemiddag", "hoi", "HALLO", "dag"])

    def message(self, key: str) -> tuple[str, str]:
        """(kind, text) for the bot's question ``key``: kind is side_path, phone, email or answer."""
        rng = self.rng
        real = key in POOLS or key in ("contact_channel", "contact_phone", "contact_email")
        if not real:
            # Not a question we know ("Kunt u het anders zeggen?", "Ik ben een computer", a new question):
            # answer the last real question again, as a resident who sticks to the point.
            key = self.last_real_key
            self.side_paths_done.add(key)
        self.last_real_key = key
        if (key not in self.side_paths_done and key not in ("contact_phone", "contact_email")
                and rng.random() < SIDE_PATH_CHANCE):
            self.side_paths_done.add(key)
            return "side_path", rng.choice(SIDE_PATHS)
        self.side_paths_done.add(key)
        if key == "contact_channel":
            if self.direct and self.channel == "phone":
                return "phone", self.phone
            if self.direct and self.channel == "email":
                return "email", self.email
            return "answer", rng.choice(CHANNEL_WORDS[self.channel])
        if key == "contact_phone":
            return "phone", self.phone
        if key == "contact_email":
            return "email", self.email
        text = rng.choice(POOLS[key])
        if rng.random() < NOISE_CHANCE:
            text = typo(text, rng)
        return "answer", text


CONTACT_KEYS = {"contact_channel", "contact_phone", "contact_email"}


def accepted(kind: str, names: list[str], texts: list[str]) -> bool:
    """After a valid number or address: no "klopt niet", and the bot moves on to another question or ends."""
    if f"utter_invalid_{kind}" in names:
        return False
    if END in names:
        return True
    new_key = question_key(names, texts)
    return bool(names) and names[-1].startswith("utter_ask_") and new_key not in CONTACT_KEYS


def converse(resident: Resident, transport: Transport, screen: Any) -> FuzzResult:
    """One random resident's conversation, and the invariants it broke."""
    result = FuzzResult(resident.seed, f"fuzz-{uuid.uuid4().hex[:10]}")
    key: str | None = None
    history: list[str] = []
    while len(result.turns) < TURN_BUDGET:
        number = len(result.turns) + 1
        if key is None:
            kind, text = "opening", resident.opening
        else:
            kind, text = resident.message(key)
        try:
            replies = transport.send(result.sender, text)
            error = None if replies else "the bot sent nothing"
        except TransportError as failure:
            replies, error = [], str(failure)
        texts = [str(r.get("text") or "") for r in replies]
        names = [response_name(t) for t in texts]
        result.turns.append((key or "-", text, names))
        if error:
            result.violations.append(Violation("error", number, text, names, error))
            break
        safety = [n for n in names if n.startswith(SAFETY) and n not in SAFETY_EXTRA]
        if safety and not screen(text):
            result.violations.append(Violation("false_alarm", number, text, names, "the lexicon flags nothing"))
        if kind in ("phone", "email") and not accepted(kind, names, texts):
            result.violations.append(Violation("contact", number, text, names, f"a valid {kind} was refused"))
        if READ_BACK in names and result.reached_read_back_at is None:
            result.reached_read_back_at = number
        if END in names:
            result.ended = True
        if result.ended:
            break
        key = question_key(names, texts)
        history.append(key or "")
        if len(history) >= LOOP_REPEATS and len(set(history[-LOOP_REPEATS:])) == 1:
            result.violations.append(Violation("loop", number, text, names, f"{key} {LOOP_REPEATS} times in a row"))
            break
    else:
        result.violations.append(Violation("loop", len(result.turns), result.turns[-1][1], result.turns[-1][2],
                                           f"no end within {TURN_BUDGET} turns"))
    if result.reached_read_back_at is None or result.reached_read_back_at > READ_BACK_BUDGET:
        last = result.turns[-1]
        result.violations.append(Violation("read_back", len(result.turns), last[1], last[2],
                                           f"read-back at turn {result.reached_read_back_at}, budget "
                                           f"{READ_BACK_BUDGET}"))
    return result
