"""Write the demo territory: config/territories.geojson and config/gazetteer.csv.

Two fictional neighbouring communes on the Loire, near 47.39 N 0.69 E: Valmont (about 25,000
inhabitants, districts Centre, Les Tilleuls and La Gare) and Saint-Aubin-sur-Loire (no districts).
The output is deterministic: running `python config/tools/make_demo_territory.py` twice gives the
same files. A few anchor streets and landmarks are placed by hand (tests and the demo rely on them);
the other streets are placed at random, with a fixed seed, inside their district.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.geometry.polygon import orient

CONFIG_DIR = Path(__file__).resolve().parent.parent
SEED = 20260401
METRES_PER_DEGREE_LAT = 111_320.0
GAZETTEER_COLUMNS = (
    "kind", "name", "commune", "district", "lat_start", "lon_start", "lat_end", "lon_end",
    "first_number", "last_number", "aliases",
)

# Shared boundary vertices, (lon, lat): districts and communes tile each other exactly.
W1, W2, W3, W4 = (0.650, 47.370), (0.652, 47.383), (0.654, 47.397), (0.658, 47.408)
N1 = (0.685, 47.412)
E1, E2, E3, E4 = (0.719, 47.405), (0.717, 47.396), (0.722, 47.384), (0.716, 47.368)
S1 = (0.690, 47.365)
SPLIT_NORTH, SPLIT_SOUTH = (0.686, 47.399), (0.684, 47.381)

COMMUNES = {
    "valmont": {
        "name": "Valmont", "postcode": "37150", "citycode": "37999",
        "ring": [W1, W2, W3, W4, N1, E1, E2, E3, E4, S1],
    },
    "saint-aubin": {
        "name": "Saint-Aubin-sur-Loire", "postcode": "37151", "citycode": "37998",
        "ring": [E1, (0.745, 47.409), (0.762, 47.398), (0.760, 47.376), (0.738, 47.366), E4, E3, E2],
    },
}
DISTRICTS = {
    "valmont-centre": ("Centre", "valmont", [W2, W3, SPLIT_NORTH, E2, E3, SPLIT_SOUTH]),
    "valmont-tilleuls": ("Les Tilleuls", "valmont", [W3, W4, N1, E1, E2, SPLIT_NORTH]),
    "valmont-gare": ("La Gare", "valmont", [W1, W2, SPLIT_SOUTH, E3, E4, S1]),
}


@dataclass(frozen=True)
class Street:
    """A street as written to the gazetteer: a segment with house numbers along it."""

    name: str
    commune: str
    district: str
    start: tuple[float, float]  # (lat, lon)
    end: tuple[float, float]
    first_number: int | None
    last_number: int | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Landmark:
    """A named place the residents use instead of an address."""

    name: str
    commune: str
    district: str
    position: tuple[float, float]  # (lat, lon)
    aliases: tuple[str, ...] = ()


# Streets the tests, the demo and the README refer to: placed by hand.
ANCHOR_STREETS = (
    Street("Rue Victor Hugo", "valmont", "valmont-centre", (47.3880, 0.6800), (47.3880, 0.6900), 1, 60,
           ("rue hugo",)),
    Street("Avenue Jean Jaurès", "valmont", "valmont-centre", (47.3835, 0.6850), (47.3960, 0.6850), 1, 120,
           ("av Jean Jaures", "avenue jaures")),
    Street("Boulevard Gambetta", "valmont", "valmont-centre", (47.3930, 0.6720), (47.3935, 0.7000), 1, 150,
           ("bd gambetta",)),
    Street("Rue de la République", "valmont", "valmont-centre", (47.3860, 0.6760), (47.3920, 0.6830), 1, 90),
    Street("Place de la Mairie", "valmont", "valmont-centre", (47.3905, 0.6858), (47.3908, 0.6868), 1, 12),
    Street("Passage du Commerce", "valmont", "valmont-centre", (47.3895, 0.6870), (47.3889, 0.6884), 1, 20),
    Street("Rue de la Gare", "valmont", "valmont-gare", (47.3800, 0.6900), (47.3745, 0.6930), 1, 70),
    Street("Route de Tours", "valmont", "valmont-gare", (47.3790, 0.6560), (47.3770, 0.6800), 1, 180),
    Street("Rue Balzac", "valmont", "valmont-tilleuls", (47.4010, 0.6700), (47.4050, 0.6760), 1, 50),
    Street("Rue des Lilas", "valmont", "valmont-tilleuls", (47.4030, 0.6800), (47.4060, 0.6850), 1, 40),
    Street("Impasse des Lilas", "valmont", "valmont-tilleuls", (47.4045, 0.6830), (47.4052, 0.6815), 1, 10),
    Street("Allée des Tilleuls", "valmont", "valmont-tilleuls", (47.4005, 0.6950), (47.4035, 0.7000), 1, 36),
    Street("Rond-point Leclerc", "valmont", "valmont-tilleuls", (47.4020, 0.6898), (47.4020, 0.6902), None, None,
           ("carrefour Leclerc", "rond-point du Général Leclerc")),
    Street("Grande Rue", "saint-aubin", "", (47.3880, 0.7300), (47.3880, 0.7520), 1, 80),
    Street("Rue de la Gare", "saint-aubin", "", (47.3880, 0.7400), (47.3800, 0.7420), 1, 40),
    Street("Place de la Mairie", "saint-aubin", "", (47.3885, 0.7440), (47.3890, 0.7450), 1, 8),
    Street("Quai de Loire", "saint-aubin", "", (47.3720, 0.7300), (47.3760, 0.7550), 1, 90),
    Street("Chemin du Moulin", "saint-aubin", "", (47.3950, 0.7480), (47.4010, 0.7530), 1, 24),
    Street("Route de Valmont", "saint-aubin", "", (47.3870, 0.7220), (47.3878, 0.7300), 1, 50),
)

ANCHOR_LANDMARKS = (
    Landmark("Mairie", "valmont", "valmont-centre", (47.3907, 0.6862), ("hôtel de ville",)),
    Landmark("Gare SNCF", "valmont", "valmont-gare", (47.3740, 0.6935), ("gare", "gare de Valmont")),
    Landmark("Mairie", "saint-aubin", "", (47.3892, 0.7446), ("hôtel de ville",)),
    Landmark("Église Saint-Aubin", "saint-aubin", "", (47.3884, 0.7465), ("église",)),
)

# Landmarks placed at random inside their district.
LANDMARKS = {
    "valmont-centre": (
        ("Église Saint-Martin", ("église",)),
        ("Marché couvert", ("halles", "les halles")),
        ("La Poste", ("poste", "bureau de poste")),
        ("Médiathèque Louise Michel", ("médiathèque", "bibliothèque")),
        ("École élémentaire Jules Ferry", ("école Jules Ferry",)),
        ("Théâtre municipal", ("théâtre",)),
        ("Cinéma Le Rex", ("cinéma", "le rex")),
        ("Office de tourisme", ()),
        ("Conservatoire de musique", ("conservatoire",)),
        ("Square Anatole France", ("square",)),
        ("Maison des associations", ()),
        ("Parc du Château", ("parc", "jardin public")),
        ("Commissariat de police municipale", ("police municipale", "commissariat")),
        ("Centre social Jean Moulin", ("centre social",)),
    ),
    "valmont-tilleuls": (
        ("Stade municipal Pierre de Coubertin", ("stade", "stade municipal", "stade Coubertin")),
        ("Piscine municipale", ("piscine", "centre aquatique")),
        ("Collège Jean Moulin", ("collège",)),
        ("Gymnase des Tilleuls", ("gymnase",)),
        ("École maternelle Les Tilleuls", ("école maternelle",)),
        ("Parc des Tilleuls", ("parc des tilleuls",)),
        ("Jardins familiaux", ("jardins ouvriers",)),
        ("Skatepark", ("skate park",)),
        ("Crèche Les Petits Loups", ("crèche",)),
        ("EHPAD Les Glycines", ("maison de retraite", "ehpad")),
        ("Maison de santé", ("cabinet médical",)),
        ("City stade des Tilleuls", ("city stade",)),
    ),
    "valmont-gare": (
        ("Gare routière", ("arrêt de bus de la gare",)),
        ("Lycée Honoré de Balzac", ("lycée", "lycée Balzac")),
        ("Cimetière de Valmont", ("cimetière",)),
        ("Salle des fêtes", ("salle des fêtes",)),
        ("Centre commercial des Portes de Loire", ("centre commercial", "supermarché")),
        ("Déchetterie", ("déchèterie",)),
        ("Caserne des pompiers", ("pompiers", "centre de secours")),
        ("École élémentaire Paul Bert", ("école Paul Bert",)),
        ("Halle des sports", ()),
        ("Aire de jeux de la Gare", ("aire de jeux",)),
        ("Parking de la gare", ("parking gare",)),
    ),
    "saint-aubin": (
        ("École Jacques Prévert", ("école",)),
        ("Salle polyvalente", ("salle des fêtes",)),
        ("Stade de Saint-Aubin", ("stade",)),
        ("Cimetière de Saint-Aubin", ("cimetière",)),
        ("Agence postale", ("poste",)),
        ("Bibliothèque municipale", ("bibliothèque",)),
        ("Lavoir", ("vieux lavoir",)),
        ("Halte ferroviaire", ("gare de Saint-Aubin",)),
        ("Port de plaisance", ("port",)),
    ),
}

PEOPLE = (
    "Émile Zola", "Voltaire", "Jean Moulin", "Charles de Gaulle", "du Maréchal Foch",
    "Georges Clemenceau", "Anatole France", "Alphonse Daudet", "Paul Bert", "Marcel Pagnol",
    "Jean de La Fontaine", "Molière", "Racine", "Rabelais", "Ronsard", "George Sand", "Colette", "Marie Curie",
    "Jules Verne", "Alfred de Musset", "Lamartine", "Chateaubriand", "Guy de Maupassant", "Gustave Flaubert",
    "Stendhal", "Paul Verlaine", "Arthur Rimbaud", "Charles Péguy", "Albert Camus", "Jean-Jacques Rousseau",
    "Denis Diderot", "Montesquieu", "Condorcet", "Lavoisier", "Ampère", "Édouard Branly", "Parmentier",
    "Descartes", "Blaise Pascal", "Hector Berlioz", "Claude Debussy", "Maurice Ravel", "Georges Bizet",
    "Frédéric Chopin", "Claude Monet", "Auguste Renoir", "Paul Cézanne", "Auguste Rodin", "Eugène Delacroix",
    "Léon Blum", "Jean Monnet", "Robert Schuman", "Aristide Briand", "Pablo Picasso", "Nelson Mandela",
    "Simone Veil", "Lucie Aubrac", "Pierre Brossolette", "Gabriel Péri", "Danton", "Kléber", "Hoche",
    "Marceau", "Lazare Carnot", "Jeanne d'Arc", "Henri IV", "François Ier", "Louis XI", "Sully", "Colbert",
    "Vauban", "Turgot", "Mirabeau", "La Fayette", "Jules Guesde", "Paul Éluard",
    "Louis Aragon", "Jacques Prévert", "Boris Vian", "Édith Piaf", "Georges Brassens", "Jean Ferrat",
    "Anne Frank", "Roland Garros", "Jean Mermoz", "Antoine de Saint-Exupéry", "Louis Blériot", "Clément Ader",
    "Gustave Eiffel", "Frédéric Mistral", "Jean Giraudoux", "Paul Claudel", "Max Jacob", "François Mauriac",
    "René Char", "André Malraux", "Olympe de Gouges", "Louise Michel", "Camille Claudel", "Joséphine Baker",
    "Marie Marvingt", "Pierre Mendès France", "Jean Zay", "Germaine Tillion", "Geneviève de Gaulle",
    "du Général Leclerc", "du Docteur Schweitzer", "de l'Abbé Pierre", "du Président Wilson", "Ernest Renan",
    "Victor Schœlcher", "Jean Bart", "Surcouf", "Maryse Bastié", "Hélène Boucher", "Alexandre Dumas",
    "Honoré Daumier", "Jean Rostand", "Paul Langevin", "Irène Joliot-Curie", "Françoise Dolto",
)
NATURE = (
    "des Acacias", "des Érables", "des Chênes", "des Peupliers", "des Saules", "des Platanes",
    "des Marronniers", "des Bouleaux", "des Charmes", "des Frênes", "des Ormes", "des Noisetiers",
    "des Cerisiers", "des Pommiers", "des Rosiers", "des Glycines", "des Jonquilles", "des Violettes",
    "des Mimosas", "des Hortensias", "des Camélias", "des Coquelicots", "des Bleuets", "des Iris",
    "des Pivoines", "des Primevères", "des Myosotis", "des Mésanges", "des Hirondelles", "des Alouettes",
    "des Fauvettes", "des Rossignols", "des Vignes", "des Vergers", "des Prés", "des Champs", "des Jardins",
    "du Bois", "de la Forêt", "des Sources", "de la Fontaine", "du Lavoir", "de la Prairie", "des Coteaux",
    "des Vignerons", "des Sablons", "des Roches", "des Genêts", "des Bruyères", "des Lauriers", "des Tulipes",
    "des Capucines", "des Lavandes", "des Noyers", "des Châtaigniers", "des Pins", "des Sorbiers",
    "des Aubépines", "des Églantines", "des Ajoncs", "du Verger", "de la Garenne", "des Mûriers", "du Pré Vert",
)
PLACES = (
    "de la Paix", "de la Liberté", "du 8 Mai 1945", "du 11 Novembre", "du 14 Juillet", "de Verdun",
    "de la Résistance", "des Déportés", "de la Libération", "de l'Europe", "du Château", "du Prieuré",
    "de l'Abbaye", "de la Croix", "des Ponts", "du Port", "d'Amboise", "de Blois", "de Chinon", "de Saumur",
    "de Paris", "d'Orléans", "de Vendôme", "du Mans", "de Loches", "Nationale", "Neuve", "Haute", "Basse",
    "des Écoles", "du Stade", "du Marché", "de la Poste", "du Four", "du Puits", "de la Tuilerie",
    "des Artisans", "de l'Industrie", "des Fossés", "du Calvaire", "de la Mare", "des Moulins", "du Pressoir",
    "de la Forge", "des Tanneurs", "des Mariniers", "de la Levée", "du Bac", "des Carrières", "de la Chapelle",
    "du Cimetière", "de l'Hôpital", "des Remparts", "de la Grange", "du Grand Clos",
)
TYPES_FOR_PEOPLE = ("Rue", "Rue", "Rue", "Avenue", "Boulevard", "Allée", "Place", "Impasse", "Square")
TYPES_FOR_NATURE = ("Rue", "Rue", "Allée", "Impasse", "Chemin", "Square", "Sentier", "Passage")
TYPES_FOR_PLACES = ("Rue", "Rue", "Rue", "Place", "Chemin", "Impasse", "Ruelle", "Route", "Quai", "Cours")
# Names found in both communes, as in real life (the gazetteer must tell them apart).
SHARED_NAMES = (
    "Rue de l'Église", "Rue des Écoles", "Rue Pasteur", "Rue du Moulin", "Chemin des Vignes",
    "Rue de la Fontaine", "Rue du Stade", "Allée des Acacias", "Rue Voltaire", "Impasse du Lavoir",
    "Rue de la Poste", "Rue Jules Ferry",
)
STREETS_PER_DISTRICT = {"valmont-centre": 95, "valmont-tilleuls": 80, "valmont-gare": 80, "saint-aubin": 85}
LENGTH_RANGE_M = {
    "Avenue": (500, 1200), "Boulevard": (600, 1400), "Route": (600, 1600), "Chemin": (300, 1100),
    "Quai": (400, 1000), "Cours": (300, 700), "Impasse": (60, 160), "Square": (50, 120), "Place": (50, 140),
    "Ruelle": (60, 180), "Sentier": (100, 300), "Passage": (60, 200),
}
DEFAULT_LENGTH_M = (150, 650)


def name_pool(rng: random.Random) -> list[str]:
    """Every street name the random placement draws from, shuffled."""
    names = [f"{rng.choice(TYPES_FOR_PEOPLE)} {stem}" for stem in PEOPLE]
    for stems, types in ((NATURE, TYPES_FOR_NATURE), (PLACES, TYPES_FOR_PLACES)):
        for stem in stems:  # "Rue des Acacias" and "Impasse des Acacias", as in real life
            names += [f"{street_type} {stem}" for street_type in rng.sample(sorted(set(types)), 2)]
    rng.shuffle(names)
    return list(dict.fromkeys(names))


def aliases_for(name: str) -> tuple[str, ...]:
    """What residents call a street besides its full name: "avenue Jaurès" for "Avenue Jean Jaurès"."""
    street_type, _, rest = name.partition(" ")
    words = rest.split()
    if street_type in ("Avenue", "Boulevard", "Place") and len(words) == 2 and all(w[0].isupper() for w in words):
        return (f"{street_type.lower()} {words[1]}",)
    return ()


def polygon(ring: list[tuple[float, float]]) -> Polygon:
    """A counter-clockwise polygon (RFC 7946) from a ring of (lon, lat) vertices."""
    return orient(Polygon(ring), sign=1.0)


def offset(lat: float, lon: float, bearing_deg: float, length_m: float) -> tuple[float, float]:
    """The point `length_m` metres from (lat, lon) towards `bearing_deg` (flat-earth, fine at this scale)."""
    bearing = math.radians(bearing_deg)
    dlat = length_m * math.cos(bearing) / METRES_PER_DEGREE_LAT
    dlon = length_m * math.sin(bearing) / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def random_point(rng: random.Random, area: Polygon) -> tuple[float, float]:
    """A random (lat, lon) inside `area`."""
    min_lon, min_lat, max_lon, max_lat = area.bounds
    while True:
        lat, lon = round(rng.uniform(min_lat, max_lat), 6), round(rng.uniform(min_lon, max_lon), 6)
        if area.contains(Point(lon, lat)):
            return lat, lon


def place_street(rng: random.Random, name: str, area: Polygon) -> tuple[tuple[float, float], tuple[float, float]]:
    """A random segment for `name` lying inside `area`, its length fitting the street type."""
    low, high = LENGTH_RANGE_M.get(name.split()[0], DEFAULT_LENGTH_M)
    while True:
        start = random_point(rng, area)
        end = offset(*start, rng.uniform(0, 360), rng.uniform(low, high))
        if area.contains(LineString([start[::-1], end[::-1]])):
            return start, end


def house_numbers(start: tuple[float, float], end: tuple[float, float]) -> tuple[int, int]:
    """First and last house number: about one plot every 12 metres on each side."""
    length_m = math.dist(
        (start[0] * METRES_PER_DEGREE_LAT, start[1] * METRES_PER_DEGREE_LAT * math.cos(math.radians(start[0]))),
        (end[0] * METRES_PER_DEGREE_LAT, end[1] * METRES_PER_DEGREE_LAT * math.cos(math.radians(end[0]))),
    )
    return 1, max(4, round(length_m / 6))


def build(rng: random.Random) -> tuple[list[Street], list[Landmark]]:
    """The anchor streets and landmarks plus the randomly placed ones, in gazetteer order."""
    areas = {code: polygon(ring).buffer(-0.0005) for code, (_, _, ring) in DISTRICTS.items()}
    areas["saint-aubin"] = polygon(COMMUNES["saint-aubin"]["ring"]).buffer(-0.0005)
    streets = list(ANCHOR_STREETS)
    taken = {(street.commune, street.name) for street in streets}
    pool = name_pool(rng)
    for area_code, count in STREETS_PER_DISTRICT.items():
        commune = "saint-aubin" if area_code == "saint-aubin" else "valmont"
        district = "" if commune == "saint-aubin" else area_code
        names = [name for name in SHARED_NAMES if (commune, name) not in taken][: 6 if district else 12]
        names += [name for name in pool if (commune, name) not in taken and name not in names]
        placed = 0
        for name in names:
            if placed == count:
                break
            if (commune, name) in taken:
                continue
            taken.add((commune, name))
            start, end = place_street(rng, name, areas[area_code])
            first, last = house_numbers(start, end)
            streets.append(Street(name, commune, district, start, end, first, last, aliases_for(name)))
            placed += 1
        pool = [name for name in pool if ("valmont", name) not in taken]
    landmarks = list(ANCHOR_LANDMARKS)
    for area_code, entries in LANDMARKS.items():
        commune = "saint-aubin" if area_code == "saint-aubin" else "valmont"
        district = "" if commune == "saint-aubin" else area_code
        for name, aliases in entries:
            landmarks.append(Landmark(name, commune, district, random_point(rng, areas[area_code]), aliases))
    # Valmont first: a name found in both communes ("église") means Valmont's unless the text says otherwise.
    order = list(COMMUNES)
    streets.sort(key=lambda street: order.index(street.commune))
    landmarks.sort(key=lambda landmark: order.index(landmark.commune))
    return streets, landmarks


def territories_geojson() -> dict:
    """The communes and districts as a GeoJSON FeatureCollection."""
    features = []
    for code, commune in COMMUNES.items():
        features.append({
            "type": "Feature",
            "properties": {
                "code": code, "name": commune["name"], "kind": "commune",
                "postcode": commune["postcode"], "citycode": commune["citycode"],
            },
            "geometry": mapping(polygon(commune["ring"])),
        })
    for code, (name, commune_code, ring) in DISTRICTS.items():
        features.append({
            "type": "Feature",
            "properties": {"code": code, "name": name, "kind": "district", "commune": commune_code},
            "geometry": mapping(polygon(ring)),
        })
    return {"type": "FeatureCollection", "features": features}


def gazetteer_rows(streets: list[Street], landmarks: list[Landmark]) -> list[dict[str, str]]:
    """One CSV row per street and landmark."""
    rows = []
    for street in streets:
        rows.append({
            "kind": "street", "name": street.name, "commune": street.commune, "district": street.district,
            "lat_start": f"{street.start[0]:.6f}", "lon_start": f"{street.start[1]:.6f}",
            "lat_end": f"{street.end[0]:.6f}", "lon_end": f"{street.end[1]:.6f}",
            "first_number": "" if street.first_number is None else str(street.first_number),
            "last_number": "" if street.last_number is None else str(street.last_number),
            "aliases": "|".join(street.aliases),
        })
    for landmark in landmarks:
        rows.append({
            "kind": "landmark", "name": landmark.name, "commune": landmark.commune, "district": landmark.district,
            "lat_start": f"{landmark.position[0]:.6f}", "lon_start": f"{landmark.position[1]:.6f}",
            "lat_end": "", "lon_end": "", "first_number": "", "last_number": "",
            "aliases": "|".join(landmark.aliases),
        })
    return rows


def write(out_dir: Path) -> None:
    """Write territories.geojson and gazetteer.csv into `out_dir`."""
    streets, landmarks = build(random.Random(SEED))
    with (out_dir / "territories.geojson").open("w", encoding="utf-8") as file:
        json.dump(territories_geojson(), file, ensure_ascii=False, indent=1)
        file.write("\n")
    with (out_dir / "gazetteer.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=GAZETTEER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(gazetteer_rows(streets, landmarks))


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CONFIG_DIR, help="directory to write into (default: config/)")
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
