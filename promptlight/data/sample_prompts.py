"""The built-in ``sample_prompts`` dataset: short few-shot prompts for a small base LM.

Written for Gemma 3 270M (base): each prompt shows a clear pattern a few times and ends
where the model should continue, and stays well under 1,000 characters so salience is quick.

| sources | task |
|---|---|
| ``math-cot-1`` ... | few-shot chain-of-thought word problems ("The answer is N.") |
| ``headline-1`` ... | few-shot news headlines from an article snippet |
| ``ideas-1`` ... | idea lists guided by a short list of principles |
| ``fewshot-mistake``, ``fewshot-fixed``, ``fewshot-constitution`` | the menu-analysis demo |

The menu trio is the story in DESIGN.md: ``fewshot-mistake`` has a copy-paste error in its
first worked example (the analysis says the dish contains something the person does not
like, the recommendation says to try it anyway), and the final query asks about a quiche
for someone who cannot eat eggs. ``fewshot-fixed`` corrects that one recommendation;
``fewshot-constitution`` adds a few principles on top of the fixed prompt. All three are
built by :func:`menu_prompt`, so they differ only where intended.
"""

from __future__ import annotations

from collections.abc import Sequence

from promptlight.types import Example

__all__ = [
    "MENU_CONSTITUTION",
    "MENU_FIXED_RECOMMENDATION",
    "MENU_MISTAKE_RECOMMENDATION",
    "SAMPLE_PROMPTS",
    "menu_prompt",
    "sample_prompts",
]


# --- few-shot chain-of-thought math ----------------------------------------------------

_MATH = [
    (
        "Q: A baker fills 4 trays with 12 muffins each and sells 30 muffins. How many are left?\n"
        "A: She baked 4 x 12 = 48 muffins. After selling 30, 48 - 30 = 18 are left. The answer is 18.\n\n"
        "Q: Tom reads 15 pages a day. His book has 120 pages. How many days does he need?\n"
        "A: At 15 pages a day he needs 120 / 15 = 8 days. The answer is 8.\n\n"
        "Q: A parking garage has 6 floors with 25 spaces on each. 87 cars are parked. "
        "How many spaces are empty?\n"
        "A:",
        " The garage has 6 x 25 = 150 spaces. With 87 taken, 150 - 87 = 63 are empty. The answer is 63.",
    ),
    (
        "Q: Maya buys 3 notebooks at $4 each and a $2 pen. She pays with $20. What is her change?\n"
        "A: The notebooks cost 3 x 4 = 12 dollars, so the total is 12 + 2 = 14 dollars. "
        "Her change is 20 - 14 = 6 dollars. The answer is 6.\n\n"
        "Q: A train travels at 80 km per hour for two and a half hours. How far does it go?\n"
        "A: In 2 hours it covers 2 x 80 = 160 km, and in half an hour 40 km more. "
        "160 + 40 = 200 km. The answer is 200.\n\n"
        "Q: A school orders 5 boxes of 24 pencils and shares them equally among 4 classrooms. "
        "How many pencils does each classroom get?\n"
        "A:",
        " There are 5 x 24 = 120 pencils. Shared among 4 classrooms, each gets 120 / 4 = 30. The answer is 30.",
    ),
    (
        "Q: A garden has 7 rows of 9 tomato plants. A storm kills 15 of them. How many are still alive?\n"
        "A: The garden had 7 x 9 = 63 plants. After the storm, 63 - 15 = 48 are alive. The answer is 48.\n\n"
        "Q: Lena has $30 and saves $12 a week. How many weeks until she can buy a $150 bike?\n"
        "A: She still needs 150 - 30 = 120 dollars. At 12 dollars a week that takes 120 / 12 = 10 weeks. "
        "The answer is 10.\n\n"
        "Q: A pancake recipe uses 3 eggs for every 2 cups of flour. Sam uses 8 cups of flour. "
        "How many eggs does he need?\n"
        "A:",
        " 8 cups is 8 / 2 = 4 times the recipe, so he needs 4 x 3 = 12 eggs. The answer is 12.",
    ),
    (
        "Q: A cinema has 12 rows of 18 seats and sells 175 tickets. How many seats stay empty?\n"
        "A: There are 12 x 18 = 216 seats. With 175 sold, 216 - 175 = 41 stay empty. The answer is 41.\n\n"
        "Q: Ravi runs 3 km on each of the 5 weekdays and 8 km on Saturday. How far does he run in total?\n"
        "A: On weekdays he runs 5 x 3 = 15 km. Adding Saturday, 15 + 8 = 23 km. The answer is 23.\n\n"
        "Q: A jar holds 240 marbles. A third are blue, a quarter are red and the rest are green. "
        "How many are green?\n"
        "A:",
        " Blue: 240 / 3 = 80. Red: 240 / 4 = 60. Green: 240 - 80 - 60 = 100. The answer is 100.",
    ),
]


# --- few-shot headlines ------------------------------------------------------------------

_HEADLINES = [
    (
        "Article: The city council voted 7-2 on Tuesday to turn the parking lot behind the old train "
        "station into a public park. Construction is expected to start next spring.\n"
        "Headline: Council Votes to Turn Station Parking Lot Into a Park\n\n"
        "Article: A hailstorm on Saturday afternoon damaged roofs and cars across the northern "
        "suburbs. The power company said about 4,000 homes were still without electricity on Sunday.\n"
        "Headline: Hailstorm Leaves Thousands Without Power in Northern Suburbs\n\n"
        "Article: Researchers at a coastal university have pressed dried seaweed into a packaging "
        "material that breaks down in garden soil within six weeks.\n"
        "Headline: Seaweed Packaging Breaks Down in Six Weeks, Researchers Say\n\n"
        "Article: The regional library system will stop charging late fees next month. Officials said "
        "the fines raised little money and kept many families from borrowing books.\n"
        "Headline:",
        " Libraries Scrap Late Fees to Win Back Families",
    ),
    (
        "Article: A family-run bakery that has sold bread on Elm Street for 52 years will close at the "
        "end of the month because the owners are retiring and none of their children want to take over.\n"
        "Headline: Elm Street Bakery to Close After 52 Years\n\n"
        "Article: The town's minor-league baseball team won its first championship on Friday night, "
        "beating the visitors 4-3 with a home run in the ninth inning.\n"
        "Headline: Ninth-Inning Home Run Clinches First Title for Town Team\n\n"
        "Article: Bus fares across the county will rise by 25 cents in March, the transit authority "
        "said, blaming higher fuel and repair costs.\n"
        "Headline: Bus Fares to Rise 25 Cents in March\n\n"
        "Article: Volunteers planted 1,200 trees along the river on Sunday, the first step in a plan "
        "to shade the walking path and cool the water for fish.\n"
        "Headline:",
        " Volunteers Plant 1,200 Trees Along the River",
    ),
    (
        "Article: A software update released on Monday left thousands of smart thermostats stuck at "
        "their highest setting. The maker said a fix would go out within two days.\n"
        "Headline: Faulty Update Leaves Smart Thermostats Stuck on High\n\n"
        "Article: Astronomers using a mountaintop telescope spotted a comet that will pass close "
        "enough to be seen without binoculars in late October.\n"
        "Headline: Newly Found Comet Will Be Visible to the Naked Eye in October\n\n"
        "Article: The state's largest hospital has started using text-message reminders for "
        "appointments, and missed visits dropped by a third in the first six months.\n"
        "Headline: Text Reminders Cut Missed Hospital Visits by a Third\n\n"
        "Article: A high school robotics team built a machine that sorts recycling by material, and "
        "the city now plans to test it at its main recycling center.\n"
        "Headline:",
        " Student-Built Robot to Sort City's Recycling",
    ),
]


# --- idea lists guided by principles -----------------------------------------------------

_IDEAS = [
    (
        "Principles:\n"
        "- Cheap: under $20 per person.\n"
        "- Can be organised in a weekend, with no special skills.\n"
        "- Everyone can join, whatever their fitness or schedule.\n\n"
        "Ideas for a team offsite:\n"
        "1."
    ),
    (
        "Principles:\n"
        "- Small enough to fit in a one-room apartment.\n"
        "- Useful every day, not just decoration.\n"
        "- Costs less than $30.\n\n"
        "Gift ideas for a friend who just moved into their first apartment:\n"
        "1."
    ),
    (
        "Principles:\n"
        "- Free or almost free.\n"
        "- Feels like play, not homework.\n"
        "- Needs little time from a busy parent.\n\n"
        "Ideas to keep kids reading over the summer holidays:\n"
        "1."
    ),
]


# --- the menu-analysis trio --------------------------------------------------------------

#: The copy-paste mistake: the first example's analysis rules the dish out, this says "try it".
MENU_MISTAKE_RECOMMENDATION = "You have to try it."
#: The correction: a recommendation that agrees with the first example's analysis.
MENU_FIXED_RECOMMENDATION = "Better to avoid this one."

#: Principles put on top of the fixed prompt for ``fewshot-constitution``.
MENU_CONSTITUTION = (
    "Keep the analysis brief.",
    "Both the analysis and the recommendation must say whether the dish is safe for any dietary restriction.",
    "The recommendation must match the analysis.",
)

# (likes, dislikes, suggestion, analysis, recommendation); the first recommendation is a slot.
_MENU_EXAMPLES = (
    (
        "creamy rice dishes, garlic",
        "mushrooms",
        "Wild mushroom risotto",
        "The risotto is creamy and garlicky, but it is made with mushrooms, which you don't like.",
        None,
    ),
    (
        "seafood, lemon",
        "very spicy food",
        "Grilled salmon with lemon butter",
        "Salmon is seafood, the lemon butter adds a fresh taste, and it is mild.",
        "You have to try it.",
    ),
    (
        "chocolate, nuts",
        "coconut",
        "Dark chocolate hazelnut tart",
        "Rich chocolate with crunchy hazelnuts, and no coconut in it.",
        "You have to try it.",
    ),
)

_MENU_QUERY = (
    "cheese, savoury pastries",
    "eggs (dietary restriction: egg allergy)",
    "Cheese and leek quiche",
)


def menu_prompt(*, first_recommendation: str, principles: Sequence[str] = ()) -> str:
    """The few-shot menu-analysis prompt, ending in an open ``Analysis:`` for the query dish.

    ``first_recommendation`` fills the first worked example's ``Recommendation:`` line;
    ``principles`` (if any) are listed above the examples, followed by a blank line.
    """
    blocks = []
    for likes, dislikes, dish, analysis, recommendation in _MENU_EXAMPLES:
        blocks.append(
            f"Taste-likes: {likes}\n"
            f"Taste-dislikes: {dislikes}\n"
            f"Suggestion: {dish}\n"
            f"Analysis: {analysis}\n"
            f"Recommendation: {recommendation or first_recommendation}"
        )
    likes, dislikes, dish = _MENU_QUERY
    blocks.append(f"Taste-likes: {likes}\nTaste-dislikes: {dislikes}\nSuggestion: {dish}\nAnalysis:")
    body = "\n\n".join(blocks)
    if not principles:
        return body
    header = "Principles:\n" + "\n".join(f"- {p}" for p in principles)
    return f"{header}\n\n{body}"


# --- the dataset -------------------------------------------------------------------------


def _build() -> tuple[Example, ...]:
    rows: list[Example] = []
    # The few-shot prompts separate their examples with a blank line: generating stops there, at
    # the end of the answer, instead of writing an example of its own (the ``stop`` column).
    shots = {"stop": "\n\n"}
    rows += [Example(prompt=p, target=t, source=f"math-cot-{i}", fields=shots) for i, (p, t) in enumerate(_MATH, 1)]
    rows += [
        Example(prompt=p, target=t, source=f"headline-{i}", fields=shots) for i, (p, t) in enumerate(_HEADLINES, 1)
    ]
    rows += [Example(prompt=p, target="", source=f"ideas-{i}") for i, p in enumerate(_IDEAS, 1)]
    rows += [
        Example(
            prompt=menu_prompt(first_recommendation=MENU_MISTAKE_RECOMMENDATION), source="fewshot-mistake", fields=shots
        ),
        Example(
            prompt=menu_prompt(first_recommendation=MENU_FIXED_RECOMMENDATION), source="fewshot-fixed", fields=shots
        ),
        Example(
            prompt=menu_prompt(first_recommendation=MENU_FIXED_RECOMMENDATION, principles=MENU_CONSTITUTION),
            source="fewshot-constitution",
            fields=shots,
        ),
    ]
    return tuple(rows)


#: Every built-in sample, in display order.
SAMPLE_PROMPTS: tuple[Example, ...] = _build()


def sample_prompts() -> tuple[Example, ...]:
    """Built-in demo prompts: few-shot math, headlines, idea lists and the menu-analysis trio."""
    return SAMPLE_PROMPTS
