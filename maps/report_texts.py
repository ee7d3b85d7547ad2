"""The fixed words of the diagnostic report, in French, Dutch and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "fr": "Pré-diagnostic social-santé",
        "nl": "Sociaal-gezondheidsprediagnose",
        "en": "Social-health pre-diagnostic",
    },
    "kicker": {
        "fr": "Contrat local social-santé — diagnostic de la zone d'étude",
        "nl": "Lokaal sociaal-gezondheidscontract — diagnose van het studiegebied",
        "en": "Local social-health contract — diagnostic of the study area",
    },
    "study_area": {"fr": "Zone d'étude", "nl": "Studiegebied", "en": "Study area"},
    "ring": {"fr": "Alentours ({width})", "nl": "Omgeving ({width})", "en": "Surroundings ({width})"},
    "ring_short": {"fr": "Alentours", "nl": "Omgeving", "en": "Surroundings"},
    "adjacent": {"fr": "Unités adjacentes", "nl": "Aangrenzende eenheden", "en": "Adjacent units"},
    "region": {"fr": "Région", "nl": "Gewest", "en": "Region"},
    "communes": {"fr": "Communes", "nl": "Gemeenten", "en": "Municipalities"},
    "commune": {"fr": "Commune", "nl": "Gemeente", "en": "Municipality"},
    "members": {"fr": "Unités de la zone", "nl": "Eenheden van het gebied", "en": "Units of the area"},
    "date": {"fr": "Date", "nl": "Datum", "en": "Date"},
    "population": {"fr": "Population", "nl": "Bevolking", "en": "Population"},
    "contents": {"fr": "Sommaire", "nl": "Inhoud", "en": "Contents"},
    "sources": {
        "fr": "Sources et attributions",
        "nl": "Bronnen en naamsvermelding",
        "en": "Sources and attributions",
    },
    "location": {"fr": "Localisation", "nl": "Ligging", "en": "Location"},
    "location_title": {
        "fr": "Localisation de la zone d'étude et de ses alentours",
        "nl": "Ligging van het studiegebied en zijn omgeving",
        "en": "Location of the study area and its surroundings",
    },
    "profile": {
        "fr": "Population et besoins",
        "nl": "Bevolking en behoeften",
        "en": "Population and needs",
    },
    "profile_title": {
        "fr": "Profil de la population et des besoins",
        "nl": "Profiel van de bevolking en de behoeften",
        "en": "Population and need profile",
    },
    "profile_note": {
        "fr": "Effectifs de l'année la plus récente et part des habitants, pour la zone d'étude, ses "
        "communes et la région.",
        "nl": "Aantallen van het meest recente jaar en aandeel van de inwoners, voor het studiegebied, zijn "
        "gemeenten en het gewest.",
        "en": "Counts of the latest year and share of the residents, for the study area, its municipalities "
        "and the region.",
    },
    "chart_title": {
        "fr": "Part des habitants (%)",
        "nl": "Aandeel van de inwoners (%)",
        "en": "Share of the residents (%)",
    },
    "indicator": {"fr": "Indicateur", "nl": "Indicator", "en": "Indicator"},
    "year": {"fr": "Année", "nl": "Jaar", "en": "Year"},
    "count": {"fr": "Nombre", "nl": "Aantal", "en": "Count"},
    "share": {"fr": "% hab.", "nl": "% inw.", "en": "% res."},
    "unit": {"fr": "Unité", "nl": "Eenheid", "en": "Unit"},
    "themes": {"fr": "Offre par thème", "nl": "Aanbod per thema", "en": "Supply by theme"},
    "target": {"fr": "Population cible", "nl": "Doelpopulatie", "en": "Target population"},
    "catchment": {"fr": "rayon {catchment} m", "nl": "straal {catchment} m", "en": "catchment {catchment} m"},
    "walk": {"fr": "marche {walk} m", "nl": "wandelafstand {walk} m", "en": "walk {walk} m"},
    "norm": {"fr": "norme", "nl": "norm", "en": "norm"},
    "supply_table": {
        "fr": "Offre et besoin : dans la zone, autour, et comparaisons",
        "nl": "Aanbod en behoefte: in het gebied, eromheen, en vergelijkingen",
        "en": "Supply and need: inside, around, and comparisons",
    },
    "map_title": {
        "fr": "Lieux du thème dans la zone et ses alentours",
        "nl": "Plaatsen van het thema in het gebied en de omgeving",
        "en": "Sites of the theme in and around the area",
    },
    "no_sites": {
        "fr": "Aucun lieu de ce thème dans l'espace de travail : pas de carte.",
        "nl": "Geen enkele plaats van dit thema in de werkruimte: geen kaart.",
        "en": "No site of this theme in the workspace: no map.",
    },
    "underserved": {
        "fr": "Secteurs statistiques les moins desservis de la zone (score le plus élevé)",
        "nl": "Minst bediende statistische sectoren van het gebied (hoogste score)",
        "en": "Least served statistical sectors of the area (highest score)",
    },
    "no_underserved": {
        "fr": "Aucun secteur de la zone n'a de score (population cible absente ou sous le seuil).",
        "nl": "Geen enkele sector van het gebied heeft een score (geen doelpopulatie of onder de drempel).",
        "en": "No sector of the area has a score (no target population, or below the threshold).",
    },
    "sector": {"fr": "Secteur", "nl": "Sector", "en": "Sector"},
    "code": {"fr": "Code", "nl": "Code", "en": "Code"},
    "adjacent_line": {
        "fr": "Lieux situés dans les unités adjacentes",
        "nl": "Plaatsen gelegen in de aangrenzende eenheden",
        "en": "Sites located in the adjacent units",
    },
    "inside": {"fr": "Dans la zone d'étude", "nl": "In het studiegebied", "en": "In the study area"},
    "around": {"fr": "Dans les alentours", "nl": "In de omgeving", "en": "In the surroundings"},
    "where_area": {"fr": "zone", "nl": "gebied", "en": "area"},
    "where_ring": {"fr": "alentours", "nl": "omgeving", "en": "surroundings"},
    "annex": {
        "fr": "Annexe : liste des lieux",
        "nl": "Bijlage: lijst van de plaatsen",
        "en": "Annex: list of sites",
    },
    "annex_note": {
        "fr": "Lieux d'activité d'au moins un thème situés dans la zone d'étude ou ses alentours ; distance "
        "à vol d'oiseau jusqu'à la zone.",
        "nl": "Activiteitsplaatsen van minstens één thema in het studiegebied of de omgeving; afstand in "
        "vogelvlucht tot het gebied.",
        "en": "Activity sites of at least one theme located in the study area or its surroundings; "
        "straight-line distance to the area.",
    },
    "name": {"fr": "Nom", "nl": "Naam", "en": "Name"},
    "address": {"fr": "Adresse", "nl": "Adres", "en": "Address"},
    "where": {"fr": "Où", "nl": "Waar", "en": "Where"},
    "distance": {"fr": "Distance (m)", "nl": "Afstand (m)", "en": "Distance (m)"},
    "no_site_list": {
        "fr": "Aucun lieu dans la zone d'étude ni dans ses alentours.",
        "nl": "Geen enkele plaats in het studiegebied of de omgeving.",
        "en": "No site in the study area or its surroundings.",
    },
    "methods": {
        "fr": "Méthodes, définitions et sources",
        "nl": "Methoden, definities en bronnen",
        "en": "Methods, definitions and sources",
    },
    "definitions": {
        "fr": "Définitions des indicateurs",
        "nl": "Definities van de indicatoren",
        "en": "Indicator definitions",
    },
    "definition": {"fr": "Définition", "nl": "Definitie", "en": "Definition"},
    "theme_definitions": {
        "fr": "Définition des thèmes",
        "nl": "Definitie van de thema's",
        "en": "Theme definitions",
    },
    "theme": {"fr": "Thème", "nl": "Thema", "en": "Theme"},
    "supply": {"fr": "Offre retenue", "nl": "Meegeteld aanbod", "en": "Supply counted"},
    "distances": {"fr": "Rayon / marche (m)", "nl": "Straal / wandelen (m)", "en": "Catchment / walk (m)"},
    "accessibility": {
        "fr": "Accessibilité et offre",
        "nl": "Bereikbaarheid en aanbod",
        "en": "Accessibility and supply",
    },
    "method_notes": {"fr": "Notes de méthode", "nl": "Methodologische nota's", "en": "Method notes"},
    "key": {"fr": "Élément", "nl": "Element", "en": "Item"},
    "value": {"fr": "Valeur", "nl": "Waarde", "en": "Value"},
    "table": {"fr": "Table", "nl": "Tabel", "en": "Table"},
    "source": {"fr": "Source", "nl": "Bron", "en": "Source"},
    "vintage": {"fr": "Millésime", "nl": "Jaargang", "en": "Vintage"},
    "licence": {"fr": "Licence", "nl": "Licentie", "en": "Licence"},
    "attribution": {"fr": "Attribution", "nl": "Naamsvermelding", "en": "Attribution"},
    "continued": {"fr": "(suite)", "nl": "(vervolg)", "en": "(continued)"},
    "figures": {"fr": "Chiffres clés", "nl": "Kerncijfers", "en": "Key figures"},
    "ring_width": {
        "fr": "Largeur des alentours",
        "nl": "Breedte van de omgeving",
        "en": "Width of the surroundings",
    },
    "sites_inside": {
        "fr": "Lieux (tous thèmes) dans la zone",
        "nl": "Plaatsen (alle thema's) in het gebied",
        "en": "Sites (all themes) in the area",
    },
    "sites_around": {
        "fr": "Lieux (tous thèmes) dans les alentours",
        "nl": "Plaatsen (alle thema's) in de omgeving",
        "en": "Sites (all themes) in the surroundings",
    },
    "page": {"fr": "page", "nl": "pagina", "en": "page"},
    "footer": {
        "fr": "socialatlas — {title} : {area}",
        "nl": "socialatlas — {title}: {area}",
        "en": "socialatlas — {title}: {area}",
    },
    "synthetic_note": {
        "fr": "Données de démonstration synthétiques : ni lieux ni personnes réels.",
        "nl": "Synthetische demonstratiegegevens: geen echte plaatsen of personen.",
        "en": "Synthetic demonstration data: not real places or people.",
    },
}

METHOD_KEYS: dict[str, dict[str, str]] = {
    "underserved_score": {
        "fr": "Score de sous-desserte",
        "nl": "Score van onderbediening",
        "en": "Under-served score",
    },
    "privacy_threshold": {"fr": "Secret statistique", "nl": "Statistisch geheim", "en": "Privacy threshold"},
    "cost": {"fr": "Coût de déplacement", "nl": "Verplaatsingskost", "en": "Travel cost"},
    "demand": {"fr": "Points de demande", "nl": "Vraagpunten", "en": "Demand points"},
    "comparison": {"fr": "Comparaisons", "nl": "Vergelijkingen", "en": "Comparisons"},
    "equity": {"fr": "Équité", "nl": "Billijkheid", "en": "Equity"},
    "study_area": {"fr": "Zone d'étude", "nl": "Studiegebied", "en": "Study area"},
    "command": {"fr": "Commande", "nl": "Opdracht", "en": "Command"},
    "data": {"fr": "Données", "nl": "Gegevens", "en": "Data"},
}


def t(key: str, lang: str, **values: object) -> str:
    """The report's text ``key`` in ``lang`` (French when missing), with ``values`` filled in."""
    words = TEXTS[key].get(lang) or TEXTS[key]["fr"]
    return words.format(**values) if values else words


def method_key(key: str, lang: str) -> str:
    """The label of a method note's key in ``lang`` (the key itself when unknown)."""
    return METHOD_KEYS.get(key, {}).get(lang) or key
