"""Does an evidence window say the claim's action happened the other way round?

"Russia will disband about 20 units" against "about 20 new units will be formed": the numbers, the place and
the subject agree, and the stance model reads the pair as agreement. Most such false claims turn one action
into its opposite, so a small lexicon of opposite actions, in de, en, fr and es alike (a claim and its evidence
are often in two of them), finds what the model misses: the window states the opposite of an action of the
claim and not the action itself.

Only contrary actions of one agent on one thing are listed (form/disband, impose/lift, accept/reject, allow/ban,
join/leave): a converse pair such as win/lose or buy/sell is true of two agents at once ("Argentina won" and
"France lost" agree), and rise/fall is said of two quantities side by side ("Arctic sea ice declined while
Antarctic ice increased": four Climate-FEVER claims turned wrong with it). Open/close is left out too: a share
opens at one price and closes at another, and a building closed for years reopens, all in one report (a
development-set claim on a share's first day met such a window). A text with a negation is not compared: "did not
disband" is no opposite of "formed". Forms that are mostly another word ("Bildung" education, "Gründen" reasons,
"angenommen" assumed, English "former" against French "former", "retired", "permet" makes possible, "impuesto" a
tax) are left out: a mismatch moves the stance towards refutation, so the lexicon errs towards saying nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

# One pattern per side of a pair, every language in it; matched as whole words, case folded.
_SIDES: dict[str, str] = {
    "form": r"formed|forming|creat(?:e|es|ed|ing)|set(?:s|ting)? up|establish(?:es|ing)?|established(?!\s+that)"
    r"|aufstell\w*|aufgestellt\w*|aufzustellen|gründet|gründete\w*|gegründet\w*|Gründung"
    r"|bildet|bilden|bildete|bildeten|gebildet\w*"
    r"|créer|crée|créé\w*|créent|créera\w*|création|formé\w*|forment|formera\w*|mis\w* sur pied"
    r"|crear|crea|creó|cread[oa]s?|creará\w*|creación|formar|formó|formad[oa]s?|formará\w*",
    "disband": r"disband\w*"
    r"|auflös\w*|aufgelöst\w*|aufzulösen|Auflösung"
    r"|dissou\w*|dissolution|démantel\w*"
    r"|disolv\w*|disuel\w*|disolución|desmantel\w*",
    "impose": r"impos(?:e|es|ed|ing)"
    r"|verhängt\w*|verhängen"
    r"|imposé\w*|imposer|imposent"
    r"|impus\w*|impone\w*|imponer",
    "lift": r"lift(?:s|ed|ing)?"
    r"|aufgehoben\w*|aufheb\w*|Aufhebung"
    r"|levé\w*|lever|lève\w*|levée"
    r"|levant[óo]|levantad[oa]s?|levantar",
    "accept": r"accept(?:s|ed|ing)?|approv(?:e|es|ed|ing)"
    r"|akzeptier\w*|zugestimmt|billigt\w*|gebilligt"
    r"|accept\w*|approuv\w*|adopt\w*"
    r"|acept\w*|aprob\w*",
    "reject": r"reject(?:s|ed|ing)?"
    r"|abgelehnt\w*|ablehn\w*|lehnt\w*|zurückgewiesen"
    r"|rejet\w*|rejett\w*|refus\w*"
    r"|rechaz\w*",
    "allow": r"allow(?:s|ed|ing)?|permit(?:s|ted|ting)?|legali[sz]\w*"
    r"|erlaubt\w*|erlauben|zugelassen\w*|genehmigt\w*"
    r"|autoris\w*"
    r"|autoriz\w*",
    "ban": r"ban(?!\s+Ki)|bans|banned|banning|prohibit\w*|forbid\w*|forbade"
    r"|verbot\w*|verbiet\w*|untersag\w*"
    r"|interdi(?:t|ts|te|tes|re|sent|sait|ction|ctions)|prohib\w*",
    "join": r"join(?:s|ed|ing)?|accession"
    r"|beigetreten|beitreten|beitritt\w*"
    r"|adhér\w*|adhésion|rejoint\w*"
    r"|adhesión|adhirió|ingresó",
    "leave": r"withdr[ae]w\w*|withdrawal|quit|quits"
    r"|ausgetreten|austreten|austritt\w*"
    r"|quitt\w*|retir(?:é|ée|és|ées|er|ent|era)"
    r"|retiró|retiraron|abandonó",
}
_PAIRS = [("form", "disband"), ("impose", "lift"), ("accept", "reject"), ("allow", "ban"), ("join", "leave")]
OPPOSITE = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
_PATTERNS = {side: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE) for side, words in _SIDES.items()}
_NEGATION = re.compile(
    r"(?<!\w)(?:not|never|no|none|nor|neither|without|nicht|nichts|kein\w*|nie|niemals|weder|ohne"
    r"|ne|pas|jamais|aucun\w*|ni|sans|nunca|jamás|tampoco|nada|nadie|ningún|ninguna|ninguno)(?!\w)"
    r"|n['’]t(?!\w)|(?<!\w)n['’](?=[aeiouyhâàéèêîôû])",  # English "didn't"; French "n'a", "n'est" (not "Iran's")
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def actions(text: str) -> dict[str, str] | None:
    """The actions of the lexicon that ``text`` names, each with the word that names it first; None when the
    text has a negation (its actions are not compared)."""
    if _NEGATION.search(text):
        return None
    found = {}
    for side, pattern in _PATTERNS.items():
        match = pattern.search(text)
        if match:
            found[side] = match.group(0)
    return found


def compare(claim: str, evidence: str) -> tuple[int, list[str]]:
    """-1 with what differs when the evidence names the opposite of an action of the claim and not the action
    itself; 0 otherwise (an action both name says little: "raised" fits any rise)."""
    said, stated = actions(claim), actions(evidence)
    if not said or stated is None:
        return 0, []
    mismatches = [
        f"action: claim {word}, evidence {stated[OPPOSITE[side]]}"
        for side, word in said.items()
        if OPPOSITE[side] in stated and side not in stated
    ]
    return (-1, mismatches) if mismatches else (0, [])
